package dev.costmeter.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One immutable version of Bedrock's prices, in effect from {@link #effectiveFrom()} until the next
 * version's. Built by {@link RateCardLoader} from a rate card file; every unit price is computed
 * once, exactly, when the card is loaded.
 *
 * @param region        the region events that name none are priced in
 * @param regions       every region whose prices this card holds (they share one price list)
 * @param models        priced models by every id they answer to (model id and aliases)
 * @param serviceTiers  the tier multipliers by Bedrock tier name
 * @param crossRegionPrefixes inference-profile prefixes that are priced as the base model
 */
public record RateCard(
        String version,
        Instant effectiveFrom,
        String currency,
        String region,
        java.util.Set<String> regions,
        Map<String, ModelRates> models,
        Map<String, BigDecimal> serviceTiers,
        List<String> crossRegionPrefixes) {

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

    /**
     * A model's prices.
     *
     * @param unitPricesByTier for each service tier, the exact USD price of one unit of each
     *                         dimension (indexed by {@link Dimension#ordinal()}); null where the
     *                         card gives the model no price for that dimension
     */
    public record ModelRates(String modelId, String name, Map<String, BigDecimal[]> unitPricesByTier) {

        /** @return the unit price, or null when the card does not price this dimension/tier */
        public BigDecimal unitPrice(String tier, Dimension dimension) {
            BigDecimal[] prices = unitPricesByTier.get(tier);
            return prices == null ? null : prices[dimension.ordinal()];
        }
    }
}
