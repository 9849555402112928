package dev.costmeter.pricing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Bedrock's billing rules as a pure function: an event and the rate card in effect at its time in,
 * its exact cost out. No I/O, no framework, no rounding: a per-event cost is the exact decimal,
 * even where it is a fraction of a nano-dollar.
 *
 * <p>The rules, in order: an event through a geographic cross-region profile ({@code eu.} …) must
 * name its region; the region must be one the card prices; a dimension priced per model needs the
 * model in the card; token dimensions need the service tier; a model's long-context rule moves the
 * tail of a prompt beyond its threshold to the long-context dimensions; a per-hour minimum raises a
 * time-based quantity to its floor, zero included; then each quantity × its unit price (a model
 * without a cache price has none: its cache usage is unpriced).
 *
 * <p>An event the card cannot price (unknown model, tier or region, a dimension with no price) is
 * never priced at $0; it comes back {@link PricingResult.Unpriced} with the reason.
 */
public final class Pricer {

    public PricingResult price(UsageEvent event, RateCard card) {
        if (card == null) {
            return new PricingResult.Unpriced(event, null,
                    "no rate card is in effect at " + event.time() + "; publish one whose effectiveFrom is not later");
        }
        String regionNaming = event.region() == null ? card.regionNamingPrefix(event.modelId()) : null;
        if (regionNaming != null) {
            return unpriced(event, card, "model '" + event.modelId() + "' is a geographic cross-region inference profile ("
                    + regionNaming + "): the request ran in one of its regions, not in the card's default region " + card.region()
                    + "; send data.region with the event");
        }
        String region = event.region() == null ? card.region() : event.region();
        if (!card.regions().contains(region)) {
            return unpriced(event, card, "rate card " + card.version() + " has no prices for region '" + region + "'");
        }
        boolean needsModel = false;
        boolean tokens = false;
        for (Quantity quantity : event.quantities()) {
            needsModel |= quantity.dimension().needsModel();
            tokens |= quantity.dimension().pricedBy() == Dimension.PricedBy.MODEL_TOKENS;
        }
        RateCard.ModelRates model = null;
        if (needsModel) {
            if (event.modelId() == null || event.modelId().isEmpty()) {
                return unpriced(event, card, "usage of a model-priced dimension names no model");
            }
            model = card.resolveModel(event.modelId());
            if (model == null) {
                return unpriced(event, card, unknownModel(event.modelId(), card));
            }
        }
        String tier = event.serviceTier();
        if (tokens && !card.serviceTiers().containsKey(tier)) {
            return unpriced(event, card, "service tier '" + tier + "' is not in rate card " + card.version()
                    + " (known: " + String.join(", ", card.serviceTiers().keySet().stream().sorted().toList()) + ")");
        }
        List<Quantity> quantities = model == null || model.longContext() == null
                ? event.quantities() : applyLongContext(event.quantities(), model.longContext());
        List<CostLine> lines = new ArrayList<>(quantities.size());
        BigDecimal total = BigDecimal.ZERO;
        for (Quantity quantity : quantities) {
            Dimension dimension = quantity.dimension();
            BigDecimal unitPrice = dimension.pricedBy() == Dimension.PricedBy.ACCOUNT
                    ? card.accountPrice(dimension) : model.unitPrice(tier, dimension);
            if (unitPrice == null) {
                return unpriced(event, card, "rate card " + card.version() + " has no price for " + dimension.id()
                        + (dimension.needsModel() ? " of model '" + model.modelId() + "'" : ""));
            }
            BigDecimal amount = atLeastMinimum(quantity.amount(), card.minimumPerHour(dimension), event.periodHours());
            BigDecimal cost = amount.multiply(unitPrice);
            lines.add(new CostLine(dimension, amount, unitPrice, cost));
            total = total.add(cost);
        }
        return new PricingResult.Priced(new PricedEvent(event, model == null ? UsageEvent.NO_MODEL : model.modelId(),
                region, card.version(), List.copyOf(lines), total));
    }

    /**
     * A request is long-context when its whole prompt (uncached input, cache reads, cache writes)
     * exceeds the rule's threshold; exactly the threshold is not. The tokens beyond it are the tail
     * of the prompt ({@link Dimension#PROMPT_LAYOUT}): taken first from uncached input, then 5-minute
     * writes, then 1-hour writes, then cache reads, each billed in its long-context dimension (the
     * multiplier × its own price). A rule billing the whole request moves every prompt token.
     */
    static List<Quantity> applyLongContext(List<Quantity> quantities, RateCard.LongContextRule rule) {
        BigDecimal prompt = BigDecimal.ZERO;
        for (Quantity q : quantities) {
            if (q.dimension().longContext() != null) {
                prompt = prompt.add(q.amount());
            }
        }
        BigDecimal excess = prompt.subtract(BigDecimal.valueOf(rule.inputTokensAbove()));
        if (excess.signum() <= 0) {
            return quantities;
        }
        java.util.EnumMap<Dimension, BigDecimal> beyond = new java.util.EnumMap<>(Dimension.class);
        for (int i = Dimension.PROMPT_LAYOUT.size() - 1; i >= 0 && (rule.wholeRequest() || excess.signum() > 0); i--) {
            Dimension kind = Dimension.PROMPT_LAYOUT.get(i);
            BigDecimal amount = amountOf(quantities, kind);
            BigDecimal taken = rule.wholeRequest() ? amount : amount.min(excess);
            if (taken.signum() > 0) {
                beyond.put(kind, taken);
                excess = excess.subtract(taken);
            }
        }
        List<Quantity> split = new ArrayList<>(quantities.size() + beyond.size());
        for (Quantity q : quantities) {
            BigDecimal taken = beyond.get(q.dimension());
            if (taken == null) {
                split.add(q);
                continue;
            }
            if (q.amount().compareTo(taken) > 0) {
                split.add(new Quantity(q.dimension(), q.amount().subtract(taken)));
            }
            split.add(new Quantity(q.dimension().longContext(), taken));
        }
        return split;
    }

    private static BigDecimal amountOf(List<Quantity> quantities, Dimension dimension) {
        BigDecimal amount = BigDecimal.ZERO;
        for (Quantity q : quantities) {
            if (q.dimension() == dimension) {
                amount = amount.add(q.amount());
            }
        }
        return amount;
    }

    /** A per-hour floor (e.g. OpenSearch Serverless: at least 2 OCUs) over the event's period. */
    private static BigDecimal atLeastMinimum(BigDecimal amount, BigDecimal minimumPerHour, BigDecimal periodHours) {
        if (minimumPerHour == null || periodHours == null) {
            return amount;
        }
        return amount.max(minimumPerHour.multiply(periodHours));
    }

    /** Why a model id has no price, with what to do when the id was never resolved to a model. */
    private static String unknownModel(String modelId, RateCard card) {
        String reason = "model '" + modelId + "' has no price in rate card " + card.version();
        if (modelId.startsWith(UNRESOLVED_AGENT_MODEL)) {
            return reason + ": the agent's trace does not name its model; configure costmeter.agents.\""
                    + modelId.substring(UNRESOLVED_AGENT_MODEL.length()) + "\".model-id";
        }
        if (modelId.contains(":application-inference-profile/")) {
            return reason + ": an application inference profile; map it to its model with "
                    + "costmeter.models.application-inference-profiles.\"" + modelId + "\"";
        }
        return reason;
    }

    /** The model id an adapter gives an agent's call when the agent's model is not known. */
    public static final String UNRESOLVED_AGENT_MODEL = "unresolved-agent-model:";

    private static PricingResult.Unpriced unpriced(UsageEvent event, RateCard card, String reason) {
        return new PricingResult.Unpriced(event, card.version(), reason);
    }
}
