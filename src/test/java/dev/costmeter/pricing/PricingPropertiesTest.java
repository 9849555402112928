package dev.costmeter.pricing;

import dev.costmeter.ratecard.RateCardCatalog;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Invariants of the pricer, over generated events priced with the bundled card. */
class PricingPropertiesTest {

    static final RateCard CARD = RateCardCatalog.loadBundled().get(0);
    static final Pricer PRICER = new Pricer();
    static final Instant FEB_10 = Instant.parse("2026-02-10T12:00:00Z");
    static final List<Dimension> TOKEN_DIMENSIONS = List.of(Dimension.INPUT_TOKENS, Dimension.OUTPUT_TOKENS,
            Dimension.CACHE_READ_INPUT_TOKENS, Dimension.CACHE_WRITE_5M_INPUT_TOKENS, Dimension.CACHE_WRITE_1H_INPUT_TOKENS);
    /** Models with both an input and an output price (the token models). */
    static final List<String> TOKEN_MODELS = CARD.models().values().stream()
            .filter(m -> m.unitPrice("default", Dimension.INPUT_TOKENS) != null && m.unitPrice("default", Dimension.OUTPUT_TOKENS) != null)
            .map(RateCard.ModelRates::modelId).distinct().sorted().toList();

    @Property
    void costIsNeverNegativeAndIsTheSumOfItsLines(@ForAll("tokenModels") String model, @ForAll("tiers") String tier,
                                                 @ForAll("tokenCounts") List<Long> counts) {
        PricedEvent priced = priced(event(model, tier, counts));
        assertThat(priced.totalUsd().signum()).isNotNegative();
        BigDecimal sum = priced.lines().stream().map(CostLine::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(priced.totalUsd()).isEqualTo(sum);
        priced.lines().forEach(l -> assertThat(l.costUsd().signum()).isNotNegative());
    }

    /** Below the long-context threshold, one call or two calls with the same tokens cost the same. */
    @Property
    void splittingAnEventsQuantitiesAcrossTwoEventsKeepsTheTotal(@ForAll("tokenModels") String model, @ForAll("tiers") String tier,
                                                                @ForAll("tokenCounts") List<Long> counts,
                                                                @ForAll @IntRange(min = 0, max = 100) int percentInFirst) {
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        for (long n : counts) {
            long a = n * percentInFirst / 100;
            first.add(a);
            second.add(n - a);
        }
        BigDecimal whole = priced(event(model, tier, counts)).totalUsd();
        BigDecimal split = priced(event(model, tier, first)).totalUsd().add(priced(event(model, tier, second)).totalUsd());
        assertThat(split).isEqualByComparingTo(whole);
    }

    @Property
    void flexAndBatchAreExactlyHalfOfStandardAndPriorityExactly175Percent(@ForAll("tokenModels") String model,
                                                                          @ForAll("anyTokenCounts") List<Long> counts) {
        BigDecimal standard = priced(event(model, "default", counts)).totalUsd();
        assertThat(priced(event(model, "flex", counts)).totalUsd()).isEqualByComparingTo(standard.multiply(new BigDecimal("0.5")));
        assertThat(priced(event(model, "batch", counts)).totalUsd()).isEqualByComparingTo(standard.multiply(new BigDecimal("0.5")));
        assertThat(priced(event(model, "priority", counts)).totalUsd()).isEqualByComparingTo(standard.multiply(new BigDecimal("1.75")));
    }

    /** Where a model has cache prices (Claude), they are its input price × the cache multiplier × the tier's; elsewhere none. */
    @Property
    void cacheAndTierMultipliersCompose(@ForAll("tokenModels") String model, @ForAll("tiers") String tier) {
        RateCard.ModelRates rates = CARD.resolveModel(model);
        BigDecimal input = rates.unitPrice("default", Dimension.INPUT_TOKENS);
        BigDecimal tierMultiplier = CARD.serviceTiers().get(tier);
        boolean claude = model.startsWith("anthropic.claude");
        boolean oneHour = claude && List.of("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0",
                "anthropic.claude-opus-4-5-20251101-v1:0").contains(model);
        if (!claude) {
            assertThat(rates.unitPrice(tier, Dimension.CACHE_READ_INPUT_TOKENS)).isNull();
            assertThat(rates.unitPrice(tier, Dimension.CACHE_WRITE_5M_INPUT_TOKENS)).isNull();
            assertThat(rates.unitPrice(tier, Dimension.CACHE_WRITE_1H_INPUT_TOKENS)).isNull();
            return;
        }
        assertThat(rates.unitPrice(tier, Dimension.CACHE_READ_INPUT_TOKENS))
                .isEqualByComparingTo(input.multiply(new BigDecimal("0.1")).multiply(tierMultiplier));
        assertThat(rates.unitPrice(tier, Dimension.CACHE_WRITE_5M_INPUT_TOKENS))
                .isEqualByComparingTo(input.multiply(new BigDecimal("1.25")).multiply(tierMultiplier));
        if (oneHour) {
            assertThat(rates.unitPrice(tier, Dimension.CACHE_WRITE_1H_INPUT_TOKENS))
                    .isEqualByComparingTo(input.multiply(new BigDecimal("2.0")).multiply(tierMultiplier));
        } else {
            assertThat(rates.unitPrice(tier, Dimension.CACHE_WRITE_1H_INPUT_TOKENS)).isNull();
        }
    }

    /** A price change at T: events before T cost the old price, events from T on the new one, exactly. */
    @Property
    void aCardChangeAtTPricesEventsBeforeAndAfterTDifferentlyAndExactly(
            @ForAll @LongRange(min = 1, max = 1_000_000) long tokens,
            @ForAll @LongRange(min = -86_400_000, max = 86_400_000) long millisFromChange) {
        String template = """
                version: "%s"
                effectiveFrom: "%s"
                currency: USD
                regions: [us-east-1]
                tokenPricesPer: 1000000
                serviceTiers: { default: "1" }
                tokenDimensions: { input_tokens: { basedOn: input, multiplier: "1" } }
                models:
                  - { id: "anthropic.claude-3-5-sonnet-20241022-v2:0", input: "%s", output: "%s" }
                """;
        Instant change = Instant.parse("2025-12-01T00:00:00Z");
        RateCard before = RateCardLoader.parse(template.formatted("standard-access", "2025-01-01T00:00:00Z", "3.00", "15.00"));
        RateCard after = RateCardLoader.parse(template.formatted("extended-access", change, "6.00", "30.00"));
        RateCardTimeline timeline = new RateCardTimeline(List.of(after, before));
        Instant time = change.plus(Duration.ofMillis(millisFromChange));
        UsageEvent event = new UsageEvent("app", "e", "bedrock.invocation", time, "", "anthropic.claude-3-5-sonnet-20241022-v2:0",
                null, "default", null, List.of(new Quantity(Dimension.INPUT_TOKENS, BigDecimal.valueOf(tokens))));
        PricedEvent priced = ((PricingResult.Priced) PRICER.price(event, timeline.cardAt(time))).pricedEvent();
        boolean afterChange = !time.isBefore(change);
        assertThat(priced.rateCardVersion()).isEqualTo(afterChange ? "extended-access" : "standard-access");
        assertThat(priced.totalUsd()).isEqualByComparingTo(BigDecimal.valueOf(tokens)
                .multiply(new BigDecimal(afterChange ? "6.00" : "3.00")).divide(BigDecimal.valueOf(1_000_000)));
    }

    @Provide
    Arbitrary<String> tokenModels() {
        return Arbitraries.of(TOKEN_MODELS);
    }

    @Provide
    Arbitrary<String> tiers() {
        return Arbitraries.of("default", "priority", "flex", "batch");
    }

    /** Token counts per dimension, the whole prompt at most 200K: no long-context threshold is crossed. */
    @Provide
    Arbitrary<List<Long>> tokenCounts() {
        return Combinators.combine(Arbitraries.longs().between(0, 50_000), Arbitraries.longs().between(0, 1_000_000_000L),
                Arbitraries.longs().between(0, 50_000), Arbitraries.longs().between(0, 50_000),
                Arbitraries.longs().between(0, 50_000)).as(List::of);
    }

    /** Any token counts, past the long-context threshold too. */
    @Provide
    Arbitrary<List<Long>> anyTokenCounts() {
        return Arbitraries.longs().between(0, 1_000_000_000L).list().ofSize(5);
    }

    /** A call using the token dimensions the model has a price for (cache prices only some models have). */
    static UsageEvent event(String model, String tier, List<Long> counts) {
        List<Quantity> quantities = new ArrayList<>();
        for (int i = 0; i < counts.size(); i++) {
            if (counts.get(i) > 0 && CARD.resolveModel(model).unitPrice("default", TOKEN_DIMENSIONS.get(i)) != null) {
                quantities.add(new Quantity(TOKEN_DIMENSIONS.get(i), BigDecimal.valueOf(counts.get(i))));
            }
        }
        return new UsageEvent("app", "e", "bedrock.invocation", FEB_10, "", model, null, tier, null, quantities);
    }

    static PricedEvent priced(UsageEvent event) {
        PricingResult result = PRICER.price(event, CARD);
        assertThat(result).isInstanceOf(PricingResult.Priced.class);
        return ((PricingResult.Priced) result).pricedEvent();
    }
}
