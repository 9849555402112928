package dev.costmeter.pricing;

import java.math.BigDecimal;

/**
 * One billed dimension of a priced event.
 *
 * @param unitPriceUsd the exact price of one unit after tier and cache multipliers
 * @param costUsd      quantity × unitPriceUsd, exact (never rounded)
 */
public record CostLine(Dimension dimension, BigDecimal quantity, BigDecimal unitPriceUsd, BigDecimal costUsd) {
}
