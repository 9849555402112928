package dev.costmeter.rerate;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What the ledger's aggregates would cost under another rate card, exactly, without the original
 * events: every rule that depends on one request or one hour already left its mark as a billed
 * quantity (the long-context excess in its own dimensions, hourly minimums and the rerank maximum
 * applied before aggregation), so each aggregate re-rates as its quantity × the target card's unit
 * price. That holds only while the target card keeps those rules: one that moves a long-context
 * threshold or an hourly minimum changes quantities, and the re-rate is refused. Pure.
 */
public final class Rerating {

    /** One aggregate as the ledger keeps it. */
    public record Aggregate(String source, String model, String tier, Dimension dimension, String rateCardVersion, BigDecimal quantity,
                            BigDecimal costUsd) {
    }

    /** Per source, model and dimension: the quantity, the cost as charged, under the target card, and the delta. */
    public record Line(String source, String model, String dimension, BigDecimal quantity, BigDecimal oldCostUsd, BigDecimal newCostUsd) {
        public BigDecimal deltaUsd() {
            return newCostUsd.subtract(oldCostUsd);
        }
    }

    /** The diff, or the reasons it cannot be computed exactly. */
    public record Diff(String targetVersion, List<Line> lines, BigDecimal oldTotalUsd, BigDecimal newTotalUsd, List<String> problems) {
        public BigDecimal deltaUsd() {
            return newTotalUsd.subtract(oldTotalUsd);
        }
    }

    private Rerating() {
    }

    /**
     * @param cards the cards the aggregates were priced with, by version (to check the rules the target keeps)
     */
    public static Diff diff(List<Aggregate> aggregates, RateCard target, Function<String, RateCard> cards) {
        Map<List<String>, BigDecimal[]> lines = new LinkedHashMap<>(); // quantity, old, new
        Set<String> problems = new LinkedHashSet<>();
        BigDecimal oldTotal = BigDecimal.ZERO;
        BigDecimal newTotal = BigDecimal.ZERO;
        for (Aggregate a : aggregates) {
            BigDecimal price = unitPrice(a, target, cards, problems);
            if (price == null) {
                continue;
            }
            BigDecimal newCost = a.quantity().multiply(price);
            BigDecimal[] line = lines.computeIfAbsent(List.of(a.source(), a.model(), a.dimension().id()),
                    k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
            line[0] = line[0].add(a.quantity());
            line[1] = line[1].add(a.costUsd());
            line[2] = line[2].add(newCost);
            oldTotal = oldTotal.add(a.costUsd());
            newTotal = newTotal.add(newCost);
        }
        List<Line> out = new ArrayList<>();
        lines.forEach((k, v) -> out.add(new Line(k.get(0), k.get(1), k.get(2), v[0], v[1], v[2])));
        return new Diff(target.version(), out, oldTotal, newTotal, List.copyOf(problems));
    }

    /** Several parts' diffs (each card's period of a range) as one: lines summed per source, model and dimension. */
    public static Diff merge(String target, List<Diff> parts) {
        Map<List<String>, BigDecimal[]> lines = new LinkedHashMap<>();
        Set<String> problems = new LinkedHashSet<>();
        BigDecimal oldTotal = BigDecimal.ZERO;
        BigDecimal newTotal = BigDecimal.ZERO;
        for (Diff part : parts) {
            for (Line l : part.lines()) {
                BigDecimal[] sums = lines.computeIfAbsent(List.of(l.source(), l.model(), l.dimension()),
                        k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
                sums[0] = sums[0].add(l.quantity());
                sums[1] = sums[1].add(l.oldCostUsd());
                sums[2] = sums[2].add(l.newCostUsd());
            }
            problems.addAll(part.problems());
            oldTotal = oldTotal.add(part.oldTotalUsd());
            newTotal = newTotal.add(part.newTotalUsd());
        }
        List<Line> out = new ArrayList<>();
        lines.forEach((k, v) -> out.add(new Line(k.get(0), k.get(1), k.get(2), v[0], v[1], v[2])));
        return new Diff(target, out, oldTotal, newTotal, List.copyOf(problems));
    }

    /**
     * The target card's unit price for an aggregate, or null with the reason added to {@code problems}
     * (no price, or a rule that changes the billed quantity).
     */
    public static BigDecimal unitPrice(Aggregate a, RateCard target, Function<String, RateCard> cards, Set<String> problems) {
        String where = a.model() + " " + a.dimension().id() + " (" + a.tier() + ")";
        RateCard.ModelRates model = a.dimension().needsModel() ? target.resolveModel(a.model()) : null;
        if (a.dimension().needsModel() && model == null) {
            problems.add(a.model() + ": not in rate card " + target.version());
            return null;
        }
        BigDecimal price = a.dimension().pricedBy() == Dimension.PricedBy.ACCOUNT ? target.accountPrice(a.dimension())
                : model.unitPrice(a.tier(), a.dimension());
        if (price == null) {
            problems.add(where + ": rate card " + target.version() + " has no price for it");
            return null;
        }
        RateCard original = cards.apply(a.rateCardVersion());
        if (original == null) {
            problems.add(where + ": priced with rate card " + a.rateCardVersion() + ", which is not known");
            return null;
        }
        if (!Objects.equals(original.minimumPerHour(a.dimension()), target.minimumPerHour(a.dimension()))) {
            problems.add(a.dimension().id() + ": rate card " + target.version() + " changes its hourly minimum, which changes the billed "
                    + "quantity: aggregates cannot be re-rated exactly");
            return null;
        }
        if (a.dimension().needsModel() && !sameLongContext(original.resolveModel(a.model()), model)) {
            problems.add(a.model() + ": rate card " + target.version() + " changes its long-context rule, which moves tokens between "
                    + "dimensions: aggregates cannot be re-rated exactly");
            return null;
        }
        return price;
    }

    /**
     * As {@link #unitPrice}, but null when the target charges what the aggregate's own card charged
     * (nothing to rewrite); a problem is still a problem.
     */
    public static BigDecimal changedUnitPrice(Aggregate a, RateCard target, Function<String, RateCard> cards, Set<String> problems) {
        BigDecimal price = unitPrice(a, target, cards, problems);
        if (price == null) {
            return null;
        }
        RateCard own = cards.apply(a.rateCardVersion());
        BigDecimal charged = unitPrice(a, own, cards, new LinkedHashSet<>());
        return charged != null && charged.compareTo(price) == 0 ? null : price;
    }

    /** Same threshold and the same whole-request choice (the multiplier is a price, and re-rates). */
    private static boolean sameLongContext(RateCard.ModelRates original, RateCard.ModelRates target) {
        RateCard.LongContextRule a = original == null ? null : original.longContext();
        RateCard.LongContextRule b = target.longContext();
        if (a == null || b == null) {
            return a == b;
        }
        return a.inputTokensAbove() == b.inputTokensAbove() && a.wholeRequest() == b.wholeRequest();
    }
}
