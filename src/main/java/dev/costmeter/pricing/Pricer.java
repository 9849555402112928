package dev.costmeter.pricing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Bedrock's billing rules as a pure function: an event and the rate card in effect at its time in,
 * its exact cost out. No I/O, no framework, no rounding: a per-event cost is the exact decimal,
 * even where it is a fraction of a nano-dollar.
 *
 * <p>An event the card cannot price (unknown model, tier or region, a dimension the model has no
 * price for) is never priced at $0; it comes back {@link PricingResult.Unpriced} with the reason.
 */
public final class Pricer {

    public PricingResult price(UsageEvent event, RateCard card) {
        if (card == null) {
            return new PricingResult.Unpriced(event, null,
                    "no rate card is in effect at " + event.time() + "; publish one whose effectiveFrom is not later");
        }
        RateCard.ModelRates model = card.resolveModel(event.modelId());
        if (model == null) {
            return unpriced(event, card, "model '" + event.modelId() + "' has no price in rate card " + card.version());
        }
        String tier = event.serviceTier();
        if (!card.serviceTiers().containsKey(tier)) {
            return unpriced(event, card, "service tier '" + tier + "' is not in rate card " + card.version()
                    + " (known: " + String.join(", ", card.serviceTiers().keySet().stream().sorted().toList()) + ")");
        }
        String region = event.region() == null ? card.region() : event.region();
        if (!card.regions().contains(region)) {
            return unpriced(event, card, "rate card " + card.version() + " has no prices for region '" + region + "'");
        }
        List<CostLine> lines = new ArrayList<>(event.quantities().size());
        BigDecimal total = BigDecimal.ZERO;
        for (Quantity quantity : event.quantities()) {
            BigDecimal unitPrice = model.unitPrice(tier, quantity.dimension());
            if (unitPrice == null) {
                return unpriced(event, card, "rate card " + card.version() + " has no price for "
                        + quantity.dimension().id() + " of model '" + model.modelId() + "'");
            }
            BigDecimal cost = quantity.amount().multiply(unitPrice);
            lines.add(new CostLine(quantity.dimension(), quantity.amount(), unitPrice, cost));
            total = total.add(cost);
        }
        return new PricingResult.Priced(new PricedEvent(event, model.modelId(), region, card.version(), List.copyOf(lines), total));
    }

    private static PricingResult.Unpriced unpriced(UsageEvent event, RateCard card, String reason) {
        return new PricingResult.Unpriced(event, card.version(), reason);
    }
}
