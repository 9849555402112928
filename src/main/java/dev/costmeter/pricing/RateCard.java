package dev.costmeter.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One immutable version of Bedrock's prices, in effect from {@link #effectiveFrom()} until the next
 * version's. Built by {@link RateCardLoader} from a rate card file; every unit price is computed
 * once, exactly, when the card is loaded.
 *
 * @param region              the region events that name none are priced in
 * @param regions             every region whose prices this card holds (they share one price list)
 * @param models              priced models by every id they answer to (model id and aliases)
 * @param serviceTiers        the tier multipliers by Bedrock tier name
 * @param crossRegionPrefixes inference-profile prefixes that are priced as the base model
 * @param regionNamingPrefixes those of them that say where the request ran (geographic profiles such
 *                            as {@code eu.}): an event with one and no region is not priced in the
 *                            card's default region
 * @param accountPrices       unit prices of the account-wide dimensions, by {@link Dimension#ordinal()};
 *                            null where the card has no price (an event using it is quarantined)
 * @param minimumPerHour      floors on time-based dimensions, in units per hour of the event's
 *                            period (OpenSearch Serverless bills at least 2 OCUs), by ordinal
 * @param usageTypeModels     the name AWS gives each model in its bill's usage types (Nova Lite is
 *                            {@code NovaLite} in {@code USE1-NovaLite-input-tokens}), by model id: how a
 *                            bill line is matched to the model costmeter priced
 * @param corrects            the version this card corrects (it takes that version's place from its own
 *                            effectiveFrom on), or null
 */
public record RateCard(
        String version,
        Instant effectiveFrom,
        String currency,
        String region,
        Set<String> regions,
        Map<String, ModelRates> models,
        Map<String, BigDecimal> serviceTiers,
        List<String> crossRegionPrefixes,
        List<String> regionNamingPrefixes,
        BigDecimal[] accountPrices,
        BigDecimal[] minimumPerHour,
        Map<String, String> usageTypeModels,
        String corrects) {

    /** @return the model id AWS's usage types call {@code name}, or null when the card maps no model to it */
    public String modelOfUsageTypeName(String name) {
        for (Map.Entry<String, String> entry : usageTypeModels.entrySet()) {
            if (entry.getValue().equals(name)) {
                return entry.getKey();
            }
        }
        return null;
    }

    /**
     * The model an id is priced as: the id itself or an alias, else the id without a
     * cross-region prefix ({@code us.anthropic…} is priced as {@code anthropic…}).
     *
     * @return the model's rates, or null when this card has no price for it
     */
    public ModelRates resolveModel(String modelId) {
        ModelRates rates = models.get(modelId);
        if (rates != null) {
            return rates;
        }
        for (String prefix : crossRegionPrefixes) {
            if (modelId.startsWith(prefix)) {
                return models.get(modelId.substring(prefix.length()));
            }
        }
        return null;
    }

    /** The geographic cross-region prefix a model id starts with, or null (see {@link #regionNamingPrefixes()}). */
    public String regionNamingPrefix(String modelId) {
        for (String prefix : regionNamingPrefixes) {
            if (modelId != null && modelId.startsWith(prefix)) {
                return prefix;
            }
        }
        return null;
    }

    /** @return the account-wide unit price of a dimension, or null when the card has none */
    public BigDecimal accountPrice(Dimension dimension) {
        return accountPrices[dimension.ordinal()];
    }

    /** @return the floor in units per hour for a dimension, or null when it has none */
    public BigDecimal minimumPerHour(Dimension dimension) {
        return minimumPerHour[dimension.ordinal()];
    }

    /**
     * What an older card priced that this card prices differently or not at all: empty when this
     * card only adds prices. A card that changes no existing price may take effect in the past
     * (to price quarantined events); one that does must not rewrite history.
     */
    public List<String> changesFrom(RateCard older) {
        List<String> changes = new ArrayList<>();
        for (String r : older.regions) {
            if (!regions.contains(r)) {
                changes.add("region " + r + " is no longer priced");
            }
        }
        if (!region.equals(older.region)) {
            changes.add("default region changes from " + older.region + " to " + region);
        }
        older.serviceTiers.forEach((tier, multiplier) -> {
            if (!sameDecimal(multiplier, serviceTiers.get(tier))) {
                changes.add("service tier " + tier + " multiplier changes from " + multiplier.toPlainString());
            }
        });
        for (Dimension d : Dimension.values()) {
            if (changed(older.accountPrices[d.ordinal()], accountPrices[d.ordinal()])) {
                changes.add("price of " + d.id() + " changes");
            }
            if (changed(older.minimumPerHour[d.ordinal()], minimumPerHour[d.ordinal()])) {
                changes.add("minimum of " + d.id() + " changes");
            }
        }
        older.models.forEach((id, olderModel) -> {
            ModelRates model = models.get(id);
            if (model == null) {
                changes.add("model " + id + " is no longer priced");
                return;
            }
            if (!Objects.equals(olderModel.longContext(), model.longContext())) {
                changes.add("model " + id + " long-context rule changes");
            }
            for (Dimension d : Dimension.values()) {
                if (changed(olderModel.flatPrices()[d.ordinal()], model.flatPrices()[d.ordinal()])) {
                    changes.add("model " + id + " price of " + d.id() + " changes");
                }
            }
            olderModel.tokenPricesByTier().forEach((tier, olderPrices) -> {
                BigDecimal[] prices = model.tokenPricesByTier().get(tier);
                for (Dimension d : Dimension.values()) {
                    if (changed(olderPrices[d.ordinal()], prices == null ? null : prices[d.ordinal()])) {
                        changes.add("model " + id + " price of " + d.id() + " in tier " + tier + " changes");
                    }
                }
            });
        });
        return changes;
    }

    private static boolean changed(BigDecimal older, BigDecimal newer) {
        return older != null && !sameDecimal(older, newer);
    }

    private static boolean sameDecimal(BigDecimal a, BigDecimal b) {
        return b != null && a.compareTo(b) == 0;
    }

    /**
     * A long-context surcharge: input tokens of one request above a threshold cost more.
     *
     * @param name                the rule's name in the card
     * @param inputTokensAbove    the threshold, in prompt tokens of one request (uncached input, cache reads and writes)
     * @param multiplier          applied to each prompt token's own price for the tokens it covers
     * @param wholeRequest        true: every input token of a request over the threshold is billed
     *                            at the multiplier; false: only those beyond the threshold
     */
    public record LongContextRule(String name, long inputTokensAbove, BigDecimal multiplier, boolean wholeRequest) {

        @Override
        public boolean equals(Object o) {
            return o instanceof LongContextRule r && inputTokensAbove == r.inputTokensAbove
                    && multiplier.compareTo(r.multiplier) == 0 && wholeRequest == r.wholeRequest;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(inputTokensAbove);
        }
    }

    /**
     * A model's prices.
     *
     * @param tokenPricesByTier for each service tier, the exact USD price of one unit of each token
     *                          dimension (indexed by {@link Dimension#ordinal()}); null where the
     *                          card gives the model no price for that dimension
     * @param flatPrices        the model's flat unit prices (images, rerank queries, agent hours,
     *                          training tokens, provisioned throughput …) by ordinal; null where none
     * @param longContext       the model's long-context rule, or null
     * @param stepDown          the smaller model of the same family, for the savings advisor; or null
     */
    public record ModelRates(String modelId, String name, Map<String, BigDecimal[]> tokenPricesByTier,
                             BigDecimal[] flatPrices, LongContextRule longContext, String stepDown) {

        /** @return the unit price, or null when the card does not price this dimension/tier */
        public BigDecimal unitPrice(String tier, Dimension dimension) {
            if (dimension.pricedBy() == Dimension.PricedBy.MODEL) {
                return flatPrices[dimension.ordinal()];
            }
            BigDecimal[] prices = tokenPricesByTier.get(tier);
            return prices == null ? null : prices[dimension.ordinal()];
        }
    }
}
