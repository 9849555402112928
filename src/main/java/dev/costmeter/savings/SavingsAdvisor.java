package dev.costmeter.savings;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pricing guide's optimisation strategies, priced on measured usage: each figure re-prices the
 * tokens a source actually used with a model under the alternative, with the same rate card — no
 * new price table, no estimated ratio. Pure.
 *
 * <p>Strategies so far: {@code batch} and {@code flex} (the same tokens at the card's batch or Flex
 * tier) and {@code smaller-model} (the same tokens on the card's {@code stepDown} model of the same
 * family, same tier). A recommendation that cannot be priced is never shown as a $0 saving: it is
 * listed under {@code skipped} with the reason.
 */
public final class SavingsAdvisor {

    /** Measured usage: one source, model, tier and dimension over the range. */
    public record Usage(String source, String model, String tier, Dimension dimension, BigDecimal quantity, BigDecimal costUsd) {
    }

    /**
     * What a strategy would save a source on a model.
     *
     * @param costNowUsd         what the tokens concerned cost in the range (the ledger's figure)
     * @param costAlternativeUsd the same tokens under the alternative, exact
     * @param savingPerMonthUsd  the saving projected to a 30-day month from the range, to the cent
     */
    public record Recommendation(String source, String model, String strategy, BigDecimal costNowUsd, BigDecimal costAlternativeUsd,
                                 BigDecimal savingUsd, BigDecimal savingPerMonthUsd, String assumption) {
    }

    /** A strategy that was not priced for a source and model, and why. */
    public record Skipped(String source, String model, String strategy, String reason) {
    }

    public record Advice(List<Recommendation> recommendations, List<Skipped> skipped) {
    }

    static final String BATCH = "batch";
    static final String FLEX = "flex";
    static final String SMALLER_MODEL = "smaller-model";
    private static final BigDecimal MONTH_SECONDS = BigDecimal.valueOf(30L * 86_400);

    private SavingsAdvisor() {
    }

    /**
     * @param range          how long the usage was measured over (for the monthly projection)
     * @param nonInteractive sources declared to tolerate batch latency
     */
    public static Advice advise(List<Usage> usage, RateCard card, Duration range, Set<String> nonInteractive) {
        Map<List<String>, List<Usage>> bySourceAndModel = new LinkedHashMap<>();
        for (Usage u : usage) {
            if (u.dimension() != null && u.dimension().pricedBy() == Dimension.PricedBy.MODEL_TOKENS && u.quantity().signum() > 0) {
                bySourceAndModel.computeIfAbsent(List.of(u.source(), u.model()), k -> new ArrayList<>()).add(u);
            }
        }
        List<Recommendation> recommendations = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        BigDecimal toMonth = MONTH_SECONDS.divide(BigDecimal.valueOf(Math.max(1, range.toSeconds())), MathContext.DECIMAL64);
        bySourceAndModel.forEach((key, lines) -> {
            String source = key.get(0);
            String model = key.get(1);
            RateCard.ModelRates rates = card.resolveModel(model);
            if (rates == null) {
                skipped.add(new Skipped(source, model, "all", "rate card " + card.version() + " does not price this model"));
                return;
            }
            String batchAssumption = nonInteractive.contains(source)
                    ? "the source is declared non-interactive (costmeter.savings.non-interactive-sources): results within 24 h are acceptable"
                    : "if this workload tolerates results within 24 h (batch inference)";
            tierChange(source, model, lines, rates, BATCH, batchAssumption, card, toMonth, recommendations, skipped);
            tierChange(source, model, lines, rates, FLEX, "if this workload tolerates slower, best-effort processing (the Flex tier)",
                    card, toMonth, recommendations, skipped);
            if (rates.stepDown() == null) {
                skipped.add(new Skipped(source, model, SMALLER_MODEL, "rate card " + card.version()
                        + " names no smaller model of the same family for " + rates.name()));
            } else {
                RateCard.ModelRates smaller = card.resolveModel(rates.stepDown());
                price(source, model, lines, SMALLER_MODEL, u -> smaller.unitPrice(u.tier(), u.dimension()),
                        "the same tokens on " + smaller.name() + ", at the same tier: check that its quality meets your bar",
                        toMonth, recommendations, skipped);
            }
        });
        recommendations.sort(Comparator.comparing(Recommendation::savingUsd).reversed()
                .thenComparing(Recommendation::source).thenComparing(Recommendation::model).thenComparing(Recommendation::strategy));
        return new Advice(recommendations, skipped);
    }

    private static void tierChange(String source, String model, List<Usage> lines, RateCard.ModelRates rates, String tier, String assumption,
                                   RateCard card, BigDecimal toMonth, List<Recommendation> out, List<Skipped> skipped) {
        if (!card.serviceTiers().containsKey(tier)) {
            skipped.add(new Skipped(source, model, tier, "rate card " + card.version() + " has no " + tier + " tier"));
            return;
        }
        List<Usage> elsewhere = lines.stream().filter(u -> !u.tier().equals(tier)).toList();
        if (elsewhere.isEmpty()) {
            skipped.add(new Skipped(source, model, tier, "already runs at the " + tier + " tier"));
            return;
        }
        price(source, model, elsewhere, tier, u -> rates.unitPrice(tier, u.dimension()), assumption, toMonth, out, skipped);
    }

    private interface Price {
        BigDecimal of(Usage usage);
    }

    private static void price(String source, String model, List<Usage> lines, String strategy, Price alternative, String assumption,
                              BigDecimal toMonth, List<Recommendation> out, List<Skipped> skipped) {
        BigDecimal now = BigDecimal.ZERO;
        BigDecimal then = BigDecimal.ZERO;
        for (Usage u : lines) {
            BigDecimal price = alternative.of(u);
            if (price == null) {
                skipped.add(new Skipped(source, model, strategy, "the rate card has no price for " + u.dimension().id()
                        + " under this alternative"));
                return;
            }
            now = now.add(u.costUsd());
            then = then.add(u.quantity().multiply(price));
        }
        BigDecimal saving = now.subtract(then);
        if (saving.signum() <= 0) {
            skipped.add(new Skipped(source, model, strategy, "would not cost less (" + then.toPlainString() + " instead of "
                    + now.toPlainString() + " USD)"));
            return;
        }
        out.add(new Recommendation(source, model, strategy, now, then, saving,
                saving.multiply(toMonth).setScale(2, RoundingMode.HALF_UP), assumption));
    }
}
