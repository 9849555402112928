package dev.costmeter.pricing;

import java.math.BigDecimal;
import java.util.List;

/**
 * An event stamped with its exact cost under one rate card version.
 *
 * @param baseModelId the model the event was priced as (cross-region prefix removed)
 * @param region      the region priced in (the card's when the event gave none)
 */
public record PricedEvent(
        UsageEvent event,
        String baseModelId,
        String region,
        String rateCardVersion,
        List<CostLine> lines,
        BigDecimal totalUsd) {
}
