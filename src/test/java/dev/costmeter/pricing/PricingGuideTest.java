package dev.costmeter.pricing;

import dev.costmeter.ratecard.RateCardCatalog;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pricing guide (bedrock-pricing-guide-2026-02), rule by rule, against the bundled rate card.
 * Every expected value is an exact decimal worked out by hand from the guide's tables.
 */
class PricingGuideTest {

    static final RateCard CARD = RateCardCatalog.loadBundled().get(0);
    static final Instant FEB_10 = Instant.parse("2026-02-10T12:00:00Z");
    static final Pricer PRICER = new Pricer();

    static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String NOVA_MICRO = "amazon.nova-micro-v1:0";
    static final String NOVA_LITE = "amazon.nova-lite-v1:0";

    @Nested
    class TokensArePricedPerMillion {

        @Test
        void inputAndOutputAtTheModelsRates() {
            // Claude Haiku 4.5: $1.00 in / $5.00 out per 1M → 2,000 in + 500 out = $0.002 + $0.0025
            PricedEvent priced = priced(call(HAIKU_45, "default").input(2000).output(500));
            assertThat(priced.totalUsd()).isEqualByComparingTo("0.0045");
            assertThat(line(priced, Dimension.INPUT_TOKENS).costUsd()).isEqualByComparingTo("0.002");
            assertThat(line(priced, Dimension.OUTPUT_TOKENS).costUsd()).isEqualByComparingTo("0.0025");
            assertThat(priced.rateCardVersion()).isEqualTo("2026-02");
        }

        @Test
        void outputCostsFiveTimesInputForSonnet45() {
            assertThat(cost(SONNET_45, "default", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("3.00");
            assertThat(cost(SONNET_45, "default", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("15.00");
        }

        @Test
        void cheapestAndDearestModelsInTheGuide() {
            assertThat(cost(NOVA_MICRO, "default", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("0.035");
            assertThat(cost("anthropic.claude-opus-4-6-v1", "default", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("75.00");
        }

        @Test
        void claude35SonnetCostsTheExtendedAccessPrice() {
            assertThat(cost("anthropic.claude-3-5-sonnet-20241022-v2:0", "default", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("6.00");
            assertThat(cost("anthropic.claude-3-5-sonnet-20240620-v1:0", "default", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("30.00");
        }

        @Test
        void embeddingsChargeInputTokensOnly() {
            // Titan Embeddings V2: 600M tokens for $12 in the guide's RAG scenario
            assertThat(cost("amazon.titan-embed-text-v2:0", "default", Dimension.INPUT_TOKENS, 600_000_000)).isEqualByComparingTo("12");
            PricingResult withOutput = price(call("amazon.titan-embed-text-v2:0", "default").input(10).output(5));
            assertThat(withOutput).isInstanceOf(PricingResult.Unpriced.class);
            assertThat(((PricingResult.Unpriced) withOutput).reason()).contains("output_tokens").contains("amazon.titan-embed-text-v2:0");
        }

        @Test
        void aSingleTokenOfTheCheapestDimensionIsAnExactFractionOfANanoDollar() {
            // Nova Micro batch cache read: $0.035 × 0.1 × 0.5 per 1M = $0.00000000175 per token. No rounding.
            assertThat(cost(NOVA_MICRO, "batch", Dimension.CACHE_READ_INPUT_TOKENS, 1)).isEqualTo(new BigDecimal("1.75E-9"));
        }
    }

    @Nested
    class ServiceTiers {

        @Test
        void priorityIsA75PercentPremium() {
            // "Claude Sonnet 4.5 at Priority tier costs $5.25/$26.25 per 1M tokens"
            assertThat(cost(SONNET_45, "priority", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("5.25");
            assertThat(cost(SONNET_45, "priority", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("26.25");
        }

        @Test
        void flexAndBatchAreHalfOfStandard() {
            // The guide's batch table
            assertThat(cost(SONNET_45, "batch", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("1.50");
            assertThat(cost(SONNET_45, "batch", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("7.50");
            assertThat(cost(HAIKU_45, "batch", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("2.50");
            assertThat(cost(NOVA_LITE, "batch", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("0.03");
            assertThat(cost("amazon.nova-pro-v1:0", "batch", Dimension.OUTPUT_TOKENS, 1_000_000)).isEqualByComparingTo("1.60");
            assertThat(cost("anthropic.claude-3-haiku-20240307-v1:0", "batch", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("0.125");
            assertThat(cost(HAIKU_45, "flex", Dimension.INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("0.50");
        }

        @Test
        void reservedCapacityCostsNothingPerToken() {
            PricedEvent priced = priced(call(SONNET_45, "reserved").input(5000).output(800));
            assertThat(priced.totalUsd()).isEqualByComparingTo("0");
            assertThat(priced.lines()).hasSize(2); // the usage is still counted
        }

        @Test
        void aTierTheCardDoesNotKnowIsQuarantinedNotPricedAtZero() {
            PricingResult result = price(call(HAIKU_45, "turbo").input(100));
            assertThat(result).isInstanceOf(PricingResult.Unpriced.class);
            assertThat(((PricingResult.Unpriced) result).reason()).contains("service tier 'turbo'");
        }
    }

    @Nested
    class PromptCaching {

        @Test
        void sonnet45CacheTable() {
            // "Cache write (5-min TTL) $3.75, Cache write (1-hour TTL) $6.00, Cache read (hit) $0.30"
            assertThat(cost(SONNET_45, "default", Dimension.CACHE_WRITE_5M_INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("3.75");
            assertThat(cost(SONNET_45, "default", Dimension.CACHE_WRITE_1H_INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("6.00");
            assertThat(cost(SONNET_45, "default", Dimension.CACHE_READ_INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("0.30");
        }

        @Test
        void batchAndCachingCombineByMultiplication() {
            // 0.1 × 0.5 × $3.00 = $0.15; 1.25 × 1.75 × $3.00 = $6.5625
            assertThat(cost(SONNET_45, "batch", Dimension.CACHE_READ_INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("0.15");
            assertThat(cost(SONNET_45, "priority", Dimension.CACHE_WRITE_5M_INPUT_TOKENS, 1_000_000)).isEqualByComparingTo("6.5625");
        }

        @Test
        void aCallWithEveryKindOfToken() {
            // Haiku 4.5: 1,500 in $0.0015 + 300 out $0.0015 + 4,000 read $0.0004 + 2,000 5m writes $0.0025 + 1,000 1h writes $0.002
            PricedEvent priced = priced(call(HAIKU_45, "default").input(1500).output(300).cacheRead(4000).write5m(2000).write1h(1000));
            assertThat(priced.totalUsd()).isEqualByComparingTo("0.0079");
            assertThat(priced.lines()).hasSize(5);
        }
    }

    @Nested
    class ModelIds {

        @Test
        void crossRegionProfilesArePricedAsTheBaseModel() {
            for (String prefix : List.of("us.", "eu.", "apac.", "global.", "jp.", "au.")) {
                PricedEvent priced = priced(call(prefix + HAIKU_45, "default").input(2000).output(500));
                assertThat(priced.totalUsd()).as(prefix).isEqualByComparingTo("0.0045");
                assertThat(priced.baseModelId()).isEqualTo(HAIKU_45);
            }
        }

        @Test
        void anUnknownModelIsQuarantinedWithTheReasonNeverPricedAtZero() {
            PricingResult result = price(call("acme.mystery-model-v9", "default").input(100).output(100));
            assertThat(result).isInstanceOf(PricingResult.Unpriced.class);
            assertThat(((PricingResult.Unpriced) result).reason())
                    .isEqualTo("model 'acme.mystery-model-v9' has no price in rate card 2026-02");
        }

        @Test
        void aRegionTheCardHasNoPricesForIsQuarantined() {
            PricingResult result = price(call(HAIKU_45, "default").region("eu-central-1").input(100));
            assertThat(((PricingResult.Unpriced) result).reason()).contains("region 'eu-central-1'");
        }

        @Test
        void anEventOlderThanEveryCardIsQuarantined() {
            UsageEvent early = call(HAIKU_45, "default").input(100).at(Instant.parse("2025-06-01T00:00:00Z")).build();
            RateCardTimeline timeline = new RateCardTimeline(List.of(CARD));
            PricingResult result = PRICER.price(early, timeline.cardAt(early.time()));
            assertThat(((PricingResult.Unpriced) result).reason()).startsWith("no rate card is in effect at 2025-06-01T00:00:00Z");
        }
    }

    @Nested
    class TheGuidesWorkedScenarios {

        @Test
        void ragChatbotHaikuInference() {
            // 600M input + 150M output tokens: $600 input + $750 output = $1,350
            assertThat(priced(call(HAIKU_45, "default").input(600_000_000).output(150_000_000)).totalUsd()).isEqualByComparingTo("1350");
        }

        @Test
        void batchDocumentSummarizationWithNovaLite() {
            // 6B input tokens: 6,000 × $0.03 = $180; 1.5B output: 1,500 × $0.12 = $180
            assertThat(cost(NOVA_LITE, "batch", Dimension.INPUT_TOKENS, 6_000_000_000L)).isEqualByComparingTo("180");
            assertThat(cost(NOVA_LITE, "batch", Dimension.OUTPUT_TOKENS, 1_500_000_000L)).isEqualByComparingTo("180");
        }

        @Test
        void customerServiceAgentSonnetInference() {
            // 2.7B input: 2,700 × $3.00 = $8,100; 720M output: 720 × $15.00 = $10,800
            assertThat(cost(SONNET_45, "default", Dimension.INPUT_TOKENS, 2_700_000_000L)).isEqualByComparingTo("8100");
            assertThat(cost(SONNET_45, "default", Dimension.OUTPUT_TOKENS, 720_000_000L)).isEqualByComparingTo("10800");
        }
    }

    // ---------------------------------------------------------------- helpers

    static BigDecimal cost(String model, String tier, Dimension dimension, long quantity) {
        PricedEvent priced = priced(call(model, tier).quantity(dimension, quantity));
        return line(priced, dimension).costUsd();
    }

    static PricingResult price(Call call) {
        return PRICER.price(call.build(), CARD);
    }

    static PricedEvent priced(Call call) {
        PricingResult result = price(call);
        assertThat(result).isInstanceOf(PricingResult.Priced.class);
        return ((PricingResult.Priced) result).pricedEvent();
    }

    static CostLine line(PricedEvent priced, Dimension dimension) {
        return priced.lines().stream().filter(l -> l.dimension() == dimension).findFirst().orElseThrow();
    }

    static Call call(String model, String tier) {
        return new Call(model, tier);
    }

    /** A Bedrock call, built the way the pricing guide describes one. */
    static final class Call {
        private final String model;
        private final String tier;
        private final List<Quantity> quantities = new ArrayList<>();
        private String region = "us-east-1";
        private Instant time = FEB_10;

        Call(String model, String tier) {
            this.model = model;
            this.tier = tier;
        }

        Call quantity(Dimension d, long n) {
            quantities.add(new Quantity(d, BigDecimal.valueOf(n)));
            return this;
        }

        Call input(long n) {
            return quantity(Dimension.INPUT_TOKENS, n);
        }

        Call output(long n) {
            return quantity(Dimension.OUTPUT_TOKENS, n);
        }

        Call cacheRead(long n) {
            return quantity(Dimension.CACHE_READ_INPUT_TOKENS, n);
        }

        Call write5m(long n) {
            return quantity(Dimension.CACHE_WRITE_5M_INPUT_TOKENS, n);
        }

        Call write1h(long n) {
            return quantity(Dimension.CACHE_WRITE_1H_INPUT_TOKENS, n);
        }

        Call region(String r) {
            region = r;
            return this;
        }

        Call at(Instant t) {
            time = t;
            return this;
        }

        UsageEvent build() {
            return new UsageEvent("test-app", "evt-1", "bedrock.invocation", time, "", model, region, tier, null, List.copyOf(quantities));
        }
    }
}
