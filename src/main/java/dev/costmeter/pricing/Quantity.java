package dev.costmeter.pricing;

import java.math.BigDecimal;

/** How much of one dimension an event used. Never negative; zero quantities are not carried. */
public record Quantity(Dimension dimension, BigDecimal amount) {
}
