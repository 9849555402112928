package dev.costmeter.reconcile;

import dev.costmeter.pricing.RateCard;
import dev.costmeter.storage.ReconciliationRows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Matches the bill's Bedrock token lines to costmeter's aggregates key by key — UTC day × region ×
 * model × token type × service tier (× source, when the bill names IAM principals) — and classifies
 * every difference. Pure: the bill, the metered sums and the quarantine's counts come in, the report
 * goes out; money is compared as exact decimals.
 */
public final class Reconciler {

    /** What a key's difference is. */
    public enum Classification {
        /** Quantities equal, costs within the tolerance. */
        MATCHED,
        /** Quantities equal, costs not: the bill implies another unit price than the card's. */
        PRICE_DIFFERS,
        /** Both sides have the key with different quantities, or costmeter metered a day the bill has closed. */
        QUANTITY_DIFFERS,
        /** On the bill, not in costmeter: an application that does not publish, or its events wait in the quarantine. */
        NOT_METERED,
        /** In costmeter, not yet on the bill: AWS bills 24–48 hours late. */
        NOT_BILLED_YET
    }

    /** A reconciliation key; {@code source} is "" when the bill names no IAM principals. */
    public record Key(LocalDate day, String region, String modelId, String dimension, String tier, String source)
            implements Comparable<Key> {
        private static final Comparator<Key> ORDER = Comparator.comparing(Key::day).thenComparing(Key::region)
                .thenComparing(Key::modelId).thenComparing(Key::dimension).thenComparing(Key::tier).thenComparing(Key::source);

        @Override
        public int compareTo(Key other) {
            return ORDER.compare(this, other);
        }
    }

    /**
     * One key's comparison. {@code costDifference} is billed − metered; the unit prices are per token
     * (the bill's: its cost ÷ quantity; the card's: the card's price for the token type and tier).
     */
    public record Difference(Key key, String usageType, Classification classification, BigDecimal billedQuantity, BigDecimal billedCost,
                             BigDecimal meteredQuantity, BigDecimal meteredCost, BigDecimal costDifference, BigDecimal billedUnitPrice,
                             BigDecimal cardUnitPrice, String explanation) {
    }

    /** The sums of one classification. */
    public record Totals(long keys, BigDecimal billedCost, BigDecimal meteredCost, BigDecimal costDifference) {
        static final Totals NONE = new Totals(0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

        Totals plus(Difference d) {
            return new Totals(keys + 1, billedCost.add(d.billedCost()), meteredCost.add(d.meteredCost()),
                    costDifference.add(d.costDifference()));
        }
    }

    /** A base price the bill implies for a model, per the card's price unit (1M tokens), at the Standard tier. */
    public record PriceCorrection(String rateCardVersion, String modelId, String price, BigDecimal cardPrice, BigDecimal billedPrice) {
    }

    /** The whole answer. */
    public record Report(List<Difference> differences, Map<Classification, Totals> totals, BigDecimal billedCost, BigDecimal meteredCost,
                         List<PriceCorrection> corrections) {
    }

    /**
     * @param toleranceUsd   the largest cost difference of a key that still matches (AWS rounds line items)
     * @param billingLagDays days before the bill's newest day that AWS may not have billed completely
     * @param lastBilledDay  the newest UTC day with a line on the bill
     */
    public record Options(BigDecimal toleranceUsd, int billingLagDays, LocalDate lastBilledDay) {
    }

    private static final MathContext UNIT_PRICE = MathContext.DECIMAL128;
    private static final BigDecimal PER_MILLION = BigDecimal.valueOf(1_000_000);

    private Reconciler() {
    }

    /**
     * @param bill          the bill's Bedrock usage lines, summed by day, region, usage type, principal
     * @param cards         the rate card in effect at an instant
     * @param sourceOf      the source an IAM principal is attributed to (costmeter's attribution rules)
     * @param metered       costmeter's token aggregates over the same days
     * @param quarantined   events waiting in the quarantine, by UTC day and model id
     */
    public static Report reconcile(BillReader.Bill bill, Function<Instant, RateCard> cards, Function<String, String> sourceOf,
                                   List<ReconciliationRows.DaySum> metered, Map<LocalDate, Map<String, Long>> quarantined, Options options) {
        boolean bySource = bill.hasPrincipals();
        Map<Key, Side> sides = new TreeMap<>();
        for (BillReader.BillSum line : bill.sums()) {
            RateCard card = cards.apply(line.day().atStartOfDay(ZoneOffset.UTC).toInstant());
            String source = bySource ? sourceOf.apply(line.principal().isEmpty() ? null : line.principal()) : "";
            Key key;
            String unmapped = null;
            try {
                UsageType type = UsageType.parse(line.usageType());
                String modelId = card == null ? null : card.modelOfUsageTypeName(type.modelName());
                if (modelId == null) {
                    unmapped = "no model of rate card " + (card == null ? "(none in effect)" : card.version()) + " is named '"
                            + type.modelName() + "' in usage types (usageTypeModels)";
                    key = new Key(line.day(), line.region(), "", line.usageType(), type.tier(), source);
                } else {
                    key = new Key(line.day(), line.region(), modelId, type.dimension(), type.tier(), source);
                }
            } catch (UsageType.Unreadable e) {
                unmapped = e.getMessage();
                key = new Key(line.day(), line.region(), "", line.usageType(), "", source);
            }
            Side side = sides.computeIfAbsent(key, k -> new Side());
            side.billedQuantity = side.billedQuantity.add(line.quantity());
            side.billedCost = side.billedCost.add(line.cost());
            side.usageTypes.add(line.usageType());
            side.unmapped = unmapped;
        }
        for (ReconciliationRows.DaySum row : metered) {
            String dimension = UsageType.billDimension(row.dimension());
            if (dimension == null) {
                continue;
            }
            Key key = new Key(row.day(), row.region(), row.modelId(), dimension, row.tier(), bySource ? row.source() : "");
            Side side = sides.computeIfAbsent(key, k -> new Side());
            side.meteredQuantity = side.meteredQuantity.add(row.quantity());
            side.meteredCost = side.meteredCost.add(row.cost());
            side.metered = true;
        }

        List<Difference> differences = new ArrayList<>();
        Map<Classification, Totals> totals = new EnumMap<>(Classification.class);
        for (Classification c : Classification.values()) {
            totals.put(c, Totals.NONE);
        }
        Map<String, PriceCorrection> corrections = new LinkedHashMap<>();
        BigDecimal billedTotal = BigDecimal.ZERO;
        BigDecimal meteredTotal = BigDecimal.ZERO;
        for (Map.Entry<Key, Side> entry : sides.entrySet()) {
            Key key = entry.getKey();
            Side side = entry.getValue();
            RateCard card = cards.apply(key.day().atStartOfDay(ZoneOffset.UTC).toInstant());
            Difference difference = classify(key, side, card, quarantined, options);
            differences.add(difference);
            totals.merge(difference.classification(), Totals.NONE.plus(difference), (a, b) -> a.plus(difference));
            billedTotal = billedTotal.add(side.billedCost);
            meteredTotal = meteredTotal.add(side.meteredCost);
            if (difference.classification() == Classification.PRICE_DIFFERS && card != null) {
                correction(key, difference, card).ifPresent(c -> corrections.putIfAbsent(c.modelId() + "/" + c.price(), c));
            }
        }
        return new Report(List.copyOf(differences), Map.copyOf(totals), billedTotal, meteredTotal, List.copyOf(corrections.values()));
    }

    /** One key's two sides as they are summed. */
    private static final class Side {
        BigDecimal billedQuantity = BigDecimal.ZERO;
        BigDecimal billedCost = BigDecimal.ZERO;
        BigDecimal meteredQuantity = BigDecimal.ZERO;
        BigDecimal meteredCost = BigDecimal.ZERO;
        final Set<String> usageTypes = new TreeSet<>();
        boolean metered;
        String unmapped;

        boolean billed() {
            return !usageTypes.isEmpty();
        }
    }

    private static Difference classify(Key key, Side side, RateCard card, Map<LocalDate, Map<String, Long>> quarantined, Options options) {
        BigDecimal costDifference = side.billedCost.subtract(side.meteredCost);
        BigDecimal billedUnit = side.billed() && side.billedQuantity.signum() > 0
                ? side.billedCost.divide(side.billedQuantity, UNIT_PRICE).stripTrailingZeros() : null;
        BigDecimal cardUnit = cardUnitPrice(key, card);
        String usageType = side.billed() ? String.join(", ", side.usageTypes) : null;
        Classification classification;
        String explanation;
        if (!side.billed()) {
            boolean recent = key.day().isAfter(options.lastBilledDay().minusDays(options.billingLagDays()));
            classification = recent ? Classification.NOT_BILLED_YET : Classification.QUANTITY_DIFFERS;
            explanation = recent
                    ? "metered, not on the bill yet: AWS bills usage 24 to 48 hours late and the bill's newest day is " + options.lastBilledDay()
                    : "metered, but the bill has no line for it although it runs to " + options.lastBilledDay()
                    + ": usage metered under another region, tier or model than AWS billed, or an event priced that never ran";
        } else if (side.unmapped != null) {
            classification = Classification.NOT_METERED;
            explanation = "costmeter cannot meter this line: " + side.unmapped;
        } else if (!side.metered || side.meteredQuantity.signum() == 0) {
            classification = Classification.NOT_METERED;
            long waiting = quarantined.getOrDefault(key.day(), Map.of()).getOrDefault(key.modelId(), 0L);
            explanation = waiting > 0
                    ? waiting + " events of this model on this day are in the quarantine, not yet priced (GET /api/v1/unpriced)"
                    : "no events: an application that does not publish its usage of this model, or publishes it under another region or tier";
        } else if (side.billedQuantity.compareTo(side.meteredQuantity) != 0) {
            classification = Classification.QUANTITY_DIFFERS;
            explanation = "billed " + side.billedQuantity.toPlainString() + " tokens, metered " + side.meteredQuantity.toPlainString()
                    + (side.billedQuantity.compareTo(side.meteredQuantity) > 0
                    ? ": some usage was not published, or its events are quarantined or still in Kafka"
                    : ": costmeter counted usage AWS did not bill (events for requests that failed, or published twice under different ids)");
        } else if (costDifference.abs().compareTo(options.toleranceUsd()) <= 0) {
            classification = Classification.MATCHED;
            explanation = "";
        } else {
            classification = Classification.PRICE_DIFFERS;
            explanation = "same quantity, the bill implies " + plain(billedUnit) + " per token, the card (" + (card == null ? "none"
                    : card.version()) + ") " + plain(cardUnit);
        }
        return new Difference(key, usageType, classification, side.billedQuantity, side.billedCost, side.meteredQuantity, side.meteredCost,
                costDifference, billedUnit, cardUnit, explanation);
    }

    private static BigDecimal cardUnitPrice(Key key, RateCard card) {
        if (card == null || key.modelId().isEmpty() || !UsageType.DIMENSIONS.contains(key.dimension())) {
            return null;
        }
        RateCard.ModelRates rates = card.resolveModel(key.modelId());
        BigDecimal price = rates == null ? null : rates.unitPrice(key.tier(), UsageType.cardDimension(key.dimension()));
        return price == null ? null : price.stripTrailingZeros();
    }

    /** For input and output tokens, the Standard-tier base price per 1M tokens the bill implies (cache prices follow from input). */
    private static Optional<PriceCorrection> correction(Key key, Difference difference, RateCard card) {
        String price = switch (key.dimension()) {
            case "input_tokens" -> "input";
            case "output_tokens" -> "output";
            default -> null;
        };
        BigDecimal factor = card.serviceTiers().get(key.tier());
        if (price == null || difference.billedUnitPrice() == null || difference.cardUnitPrice() == null || factor == null
                || factor.signum() == 0) {
            return Optional.empty();
        }
        BigDecimal billed = difference.billedUnitPrice().divide(factor, UNIT_PRICE).multiply(PER_MILLION).round(new MathContext(10))
                .stripTrailingZeros();
        BigDecimal current = difference.cardUnitPrice().divide(factor, UNIT_PRICE).multiply(PER_MILLION).stripTrailingZeros();
        return Optional.of(new PriceCorrection(card.version(), key.modelId(), price, current, billed));
    }

    private static String plain(BigDecimal value) {
        return value == null ? "no price" : value.toPlainString();
    }
}
