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
            // Claude 3 Haiku batch cache read: $0.25 × 0.1 × 0.5 per 1M = $0.0000000125 per token. No rounding.
            assertThat(cost("anthropic.claude-3-haiku-20240307-v1:0", "batch", Dimension.CACHE_READ_INPUT_TOKENS, 1))
                    .isEqualTo(new BigDecimal("1.25E-8"));
            // Nova Micro batch input: $0.035 × 0.5 per 1M
            assertThat(cost(NOVA_MICRO, "batch", Dimension.INPUT_TOKENS, 1)).isEqualTo(new BigDecimal("1.75E-8"));
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
        void cachePricesBelongToClaudeModelsAndNoOtherFamilyBorrowsThem() {
            // The guide prices caching for Claude only; Nova caching exists but has no price; no other family's is priced.
            for (String model : List.of(NOVA_LITE, NOVA_MICRO, "meta.llama2-13b-chat-v1", "deepseek.v3.2", "mistral.mistral-large-3-675b-instruct")) {
                PricingResult result = price(call(model, "default").input(1000).cacheRead(5000));
                assertThat(result).as(model).isInstanceOf(PricingResult.Unpriced.class);
                assertThat(((PricingResult.Unpriced) result).reason())
                        .isEqualTo("rate card 2026-02 has no price for cache_read_input_tokens of model '" + model + "'");
            }
            // Claude 3 Haiku has 5-minute caching: 1M writes × $0.25 × 1.25 = $0.3125
            assertThat(cost("anthropic.claude-3-haiku-20240307-v1:0", "default", Dimension.CACHE_WRITE_5M_INPUT_TOKENS, 1_000_000))
                    .isEqualByComparingTo("0.3125");
        }

        @Test
        void theOneHourWriteExistsOnlyForSonnet45Haiku45AndOpus45() {
            // Opus 4.5: 1M × $5 × 2.0 = $10
            assertThat(cost("anthropic.claude-opus-4-5-20251101-v1:0", "default", Dimension.CACHE_WRITE_1H_INPUT_TOKENS, 1_000_000))
                    .isEqualByComparingTo("10");
            for (String model : List.of("anthropic.claude-opus-4-6-v1", "anthropic.claude-sonnet-4-6", "anthropic.claude-3-haiku-20240307-v1:0")) {
                PricingResult result = price(call(model, "default").input(1000).write1h(2000));
                assertThat(((PricingResult.Unpriced) result).reason()).as(model).contains("cache_write_1h_input_tokens").contains(model);
            }
        }

        @Test
        void aLaterCardCanPriceNovaCachingWithoutACodeChange() {
            RateCard withNovaCache = RateCardLoader.parse(RateCardLoaderTest.VALID
                    .replace("crossRegionPrefixes:", "cachingRules: { nova: { cache_read_input_tokens: { basedOn: input, multiplier: \"0.25\" } } }\ncrossRegionPrefixes:")
                    .replace("aliases: [\"m1-alias\"]", "aliases: [\"m1-alias\"], caching: nova"));
            UsageEvent event = call("m1", "default").cacheRead(1_000_000).build();
            // 1M reads × $2.00 × 0.25 = $0.50
            assertThat(((PricingResult.Priced) PRICER.price(event, withNovaCache)).pricedEvent().totalUsd()).isEqualByComparingTo("0.5");
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
        void aGeographicProfileWithoutARegionIsQuarantinedNotPricedInUsEast() {
            for (String prefix : List.of("eu.", "apac.", "jp.", "au.")) {
                PricingResult result = price(call(prefix + HAIKU_45, "default").region(null).input(2000).output(500));
                assertThat(((PricingResult.Unpriced) result).reason()).as(prefix)
                        .isEqualTo("model '" + prefix + HAIKU_45 + "' is a geographic cross-region inference profile (" + prefix
                                + "): the request ran in one of its regions, not in the card's default region us-east-1; send data.region with the event");
            }
            // us. and global. without a region: the card's default region, at the base price ("~10% on select models" names none)
            for (String prefix : List.of("us.", "global.")) {
                assertThat(priced(call(prefix + HAIKU_45, "default").region(null).input(2000).output(500)).totalUsd()).as(prefix)
                        .isEqualByComparingTo("0.0045");
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


    @Nested
    class LongContext {

        @Test
        void sonnet45BillsInputBeyond200kAtTwiceTheRate() {
            // "Claude Sonnet 4.5 charges $6.00 per 1M tokens for input beyond the 200K threshold":
            // 300,000 input = 200,000 × $3/1M ($0.60) + 100,000 × $6/1M ($0.60)
            PricedEvent priced = priced(call(SONNET_45, "default").input(300_000));
            assertThat(line(priced, Dimension.INPUT_TOKENS).quantity()).isEqualByComparingTo("200000");
            assertThat(line(priced, Dimension.INPUT_TOKENS).costUsd()).isEqualByComparingTo("0.60");
            assertThat(line(priced, Dimension.LONG_CONTEXT_INPUT_TOKENS).quantity()).isEqualByComparingTo("100000");
            assertThat(line(priced, Dimension.LONG_CONTEXT_INPUT_TOKENS).unitPriceUsd()).isEqualByComparingTo("0.000006");
            assertThat(priced.totalUsd()).isEqualByComparingTo("1.20");
        }

        @Test
        void exactly200kIsNotLongContext() {
            PricedEvent priced = priced(call(SONNET_45, "default").input(200_000).output(1000));
            assertThat(priced.lines()).extracting(CostLine::dimension).doesNotContain(Dimension.LONG_CONTEXT_INPUT_TOKENS);
            assertThat(priced.totalUsd()).isEqualByComparingTo("0.615");
        }

        @Test
        void theSurchargeComposesWithTheTier() {
            // batch: 100,000 excess tokens × $6 × 0.5 / 1M = $0.30, + 200,000 × $1.50/1M = $0.30
            assertThat(priced(call(SONNET_45, "batch").input(300_000)).totalUsd()).isEqualByComparingTo("0.60");
        }

        @Test
        void modelsWithoutA1mWindowHaveNoSurcharge() {
            // Haiku 4.5 has no long-context rule in the card: 300,000 × $1/1M
            assertThat(priced(call(HAIKU_45, "default").input(300_000)).totalUsd()).isEqualByComparingTo("0.30");
        }

        @Test
        void theWholePromptCountsTowardsTheThresholdNotOnlyUncachedInput() {
            // 100K new input + 150K cache reads = a 250K prompt: 50K beyond 200K, taken from the uncached input
            // 50,000 × $3/1M = $0.15 + 50,000 × $6/1M = $0.30 + 150,000 cache reads × $0.30/1M = $0.045
            PricedEvent priced = priced(call(SONNET_45, "default").input(100_000).cacheRead(150_000));
            assertThat(line(priced, Dimension.INPUT_TOKENS).quantity()).isEqualByComparingTo("50000");
            assertThat(line(priced, Dimension.LONG_CONTEXT_INPUT_TOKENS).quantity()).isEqualByComparingTo("50000");
            assertThat(line(priced, Dimension.CACHE_READ_INPUT_TOKENS).quantity()).isEqualByComparingTo("150000");
            assertThat(priced.totalUsd()).isEqualByComparingTo("0.495");
        }

        @Test
        void theExcessIsTheTailOfThePromptEachAtTwiceItsOwnPrice() {
            // [200K reads][40K 1h writes][30K 5m writes][10K input] = 280K: the last 80K are input, 5m and 1h writes
            // 10,000 × $6/1M = $0.06; 30,000 × $7.50/1M = $0.225; 40,000 × $12/1M = $0.48; 200,000 reads × $0.30/1M = $0.06
            PricedEvent priced = priced(call(SONNET_45, "default").input(10_000).write5m(30_000).write1h(40_000).cacheRead(200_000));
            assertThat(priced.lines()).extracting(CostLine::dimension).containsExactlyInAnyOrder(Dimension.LONG_CONTEXT_INPUT_TOKENS,
                    Dimension.LONG_CONTEXT_CACHE_WRITE_5M_INPUT_TOKENS, Dimension.LONG_CONTEXT_CACHE_WRITE_1H_INPUT_TOKENS,
                    Dimension.CACHE_READ_INPUT_TOKENS);
            assertThat(line(priced, Dimension.LONG_CONTEXT_CACHE_WRITE_5M_INPUT_TOKENS).unitPriceUsd()).isEqualByComparingTo("0.0000075");
            assertThat(line(priced, Dimension.LONG_CONTEXT_CACHE_WRITE_1H_INPUT_TOKENS).unitPriceUsd()).isEqualByComparingTo("0.000012");
            assertThat(priced.totalUsd()).isEqualByComparingTo("0.825");
            // a prompt of cache reads alone: 300K reads, the last 100K at 2 × $0.30/1M
            // 200,000 × $0.30/1M = $0.06 + 100,000 × $0.60/1M = $0.06
            PricedEvent reads = priced(call(SONNET_45, "default").cacheRead(300_000).output(0));
            assertThat(line(reads, Dimension.LONG_CONTEXT_CACHE_READ_INPUT_TOKENS).quantity()).isEqualByComparingTo("100000");
            assertThat(reads.totalUsd()).isEqualByComparingTo("0.12");
        }

        @Test
        void aPromptOfExactly200kWithCacheIsNotLongContext() {
            // 100,000 × $3/1M = $0.30 + 100,000 reads × $0.30/1M = $0.03
            PricedEvent priced = priced(call(SONNET_45, "default").input(100_000).cacheRead(100_000));
            assertThat(priced.lines()).extracting(CostLine::dimension).noneMatch(Dimension::isLongContext);
            assertThat(priced.totalUsd()).isEqualByComparingTo("0.33");
        }

        @Test
        void theTierStillMultipliesLongContextCacheTokens() {
            // batch: 50,000 reads beyond 200K × $0.30 × 2 × 0.5 /1M = $0.015 + 200,000 × $0.15/1M = $0.03
            assertThat(priced(call(SONNET_45, "batch").cacheRead(250_000)).totalUsd()).isEqualByComparingTo("0.045");
        }

        @Test
        void whetherTheRuleCoversTheExcessOrTheWholeRequestIsRateCardData() {
            RateCard wholeRequest = RateCardLoader.parse(RateCardLoaderTest.VALID
                    .replace("crossRegionPrefixes:", "longContextRules: { big: { inputTokensAbove: 1000, multiplier: \"2\", billed: whole_request } }\ncrossRegionPrefixes:")
                    .replace("aliases: [\"m1-alias\"]", "aliases: [\"m1-alias\"], longContext: big"));
            UsageEvent event = call("m1", "default").input(1500).build();
            PricedEvent priced = ((PricingResult.Priced) PRICER.price(event, wholeRequest)).pricedEvent();
            // all 1,500 at 2 × $2.00/1M = $0.006
            assertThat(priced.lines()).singleElement().satisfies(l -> {
                assertThat(l.dimension()).isEqualTo(Dimension.LONG_CONTEXT_INPUT_TOKENS);
                assertThat(l.costUsd()).isEqualByComparingTo("0.006");
            });
        }
    }

    @Nested
    class ImagesAndVideo {

        @Test
        void stabilityOperationsArePricedPerImage() {
            assertThat(model("stability.stable-fast-upscale-v1:0").images(2).total()).isEqualByComparingTo("0.06");
            assertThat(model("stability.stable-outpaint-v1:0").images(1).total()).isEqualByComparingTo("0.06");
            assertThat(model("stability.stable-image-inpaint-v1:0").images(3).total()).isEqualByComparingTo("0.21");
            assertThat(model("stability.stable-style-transfer-v1:0").images(1).total()).isEqualByComparingTo("0.08");
            assertThat(model("stability.stable-conservative-upscale-v1:0").images(1).total()).isEqualByComparingTo("0.40");
            assertThat(model("stability.stable-creative-upscale-v1:0").images(1).total()).isEqualByComparingTo("0.60");
        }

        @Test
        void novaCanvasAndReelHaveNoPriceInTheGuideSoTheyAreQuarantined() {
            PricingResult canvas = PRICER.price(call("amazon.nova-canvas-v1:0", "default").quantity(Dimension.IMAGES, 1).build(), CARD);
            assertThat(((PricingResult.Unpriced) canvas).reason()).contains("amazon.nova-canvas-v1:0");
        }

        @Test
        void aCardThatPricesVideoPricesItPerSecond() {
            RateCard card = RateCardLoader.parse(RateCardLoaderTest.VALID.replace("models:",
                    "models:\n  - { id: \"amazon.nova-reel-v1:1\", prices: { video_seconds: \"0.08\" } }"));
            UsageEvent sixSeconds = call("amazon.nova-reel-v1:1", "default").quantity(Dimension.VIDEO_SECONDS, 6).build();
            assertThat(((PricingResult.Priced) PRICER.price(sixSeconds, card)).pricedEvent().totalUsd()).isEqualByComparingTo("0.48");
        }
    }

    @Nested
    class Guardrails {

        @Test
        void perPolicyPer1000TextUnits() {
            assertThat(account(Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, 1000)).isEqualByComparingTo("0.15");
            assertThat(account(Dimension.GUARDRAIL_TOPIC_POLICY_UNITS, 1000)).isEqualByComparingTo("0.15");
            assertThat(account(Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_UNITS, 1000)).isEqualByComparingTo("0.10");
            assertThat(account(Dimension.GUARDRAIL_CONTEXTUAL_GROUNDING_POLICY_UNITS, 1000)).isEqualByComparingTo("0.10");
            assertThat(account(Dimension.GUARDRAIL_AUTOMATED_REASONING_POLICY_UNITS, 1000)).isEqualByComparingTo("0.17");
        }

        @Test
        void wordFiltersAndRegexPiiAreFreeButCounted() {
            PricedEvent priced = pricedAccount(Dimension.GUARDRAIL_WORD_POLICY_UNITS, 500);
            assertThat(priced.totalUsd()).isEqualByComparingTo("0");
            assertThat(priced.lines().get(0).quantity()).isEqualByComparingTo("500");
            assertThat(account(Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_FREE_UNITS, 500)).isEqualByComparingTo("0");
        }

        @Test
        void aChatbotWithContentFiltersAndDeniedTopicsAt1000QueriesPerHour() {
            // "1,000 queries per hour with content filters and denied topics ... approximately $0.90 per hour":
            // 3 text units per query (as in the agent scenario) × 2 policies × 1,000 × $0.15/1K = $0.90
            assertThat(account(Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, 3000).add(account(Dimension.GUARDRAIL_TOPIC_POLICY_UNITS, 3000)))
                    .isEqualByComparingTo("0.90");
        }

        @Test
        void imageContentFiltersHaveNoPriceInTheGuide() {
            PricingResult result = PRICER.price(accountEvent(Dimension.GUARDRAIL_CONTENT_POLICY_IMAGE_UNITS, 1), CARD);
            assertThat(((PricingResult.Unpriced) result).reason())
                    .isEqualTo("rate card 2026-02 has no price for guardrail_content_policy_image_units");
        }
    }

    @Nested
    class KnowledgeBasesFlowsAndOtherFeatures {

        @Test
        void featurePrices() {
            // "$0.035 per 1,000 node transitions": 25 transitions × 960 runs = 24,000 → $0.84/month
            assertThat(account(Dimension.FLOW_NODE_TRANSITIONS, 24_000)).isEqualByComparingTo("0.84");
            assertThat(model("amazon.rerank-v1:0").quantity(Dimension.RERANK_QUERIES, 300_000).total()).isEqualByComparingTo("300");
            assertThat(account(Dimension.KB_GENERATE_QUERY_CALLS, 1)).isEqualByComparingTo("0.002");
            assertThat(account(Dimension.DATA_AUTOMATION_STANDARD_PAGES, 100)).isEqualByComparingTo("1");
            assertThat(account(Dimension.DATA_AUTOMATION_CUSTOM_PAGES, 100)).isEqualByComparingTo("4");
            // Intelligent Prompt Routing: 10,000 requests a day = $10/day
            assertThat(account(Dimension.PROMPT_ROUTING_REQUESTS, 10_000)).isEqualByComparingTo("10");
            assertThat(account(Dimension.PROMPT_OPTIMIZATION_TOKENS, 1000)).isEqualByComparingTo("0.03");
            assertThat(account(Dimension.HUMAN_EVALUATION_TASKS, 1)).isEqualByComparingTo("0.21");
            assertThat(account(Dimension.CLOUDWATCH_LOG_INGESTION_GB, 200)).isEqualByComparingTo("100");
        }

        @Test
        void novaActPerAgentHour() {
            assertThat(model("amazon.nova-act-v1:0").quantity(Dimension.AGENT_HOURS, new BigDecimal("1.5")).total())
                    .isEqualByComparingTo("7.125");
        }

        @Test
        void openSearchServerlessBillsAtLeastTwoOcus() {
            // "~$350 per month for the required 2 OCUs at ~$0.24 per OCU per hour": 2 × 730 h × $0.24 = $350.40
            UsageEvent oneOcuForAMonth = new UsageEvent("kb", "os-1", "bedrock.kb.opensearch_serverless", FEB_10, "", "", null, "", null,
                    List.of(new Quantity(Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS, BigDecimal.valueOf(730))), BigDecimal.valueOf(730));
            PricedEvent priced = ((PricingResult.Priced) PRICER.price(oneOcuForAMonth, CARD)).pricedEvent();
            assertThat(priced.lines().get(0).quantity()).isEqualByComparingTo("1460");
            assertThat(priced.totalUsd()).isEqualByComparingTo("350.40");
            UsageEvent fourOcusForAnHour = new UsageEvent("kb", "os-2", "bedrock.kb.opensearch_serverless", FEB_10, "", "", null, "", null,
                    List.of(new Quantity(Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS, BigDecimal.valueOf(4))), BigDecimal.ONE);
            assertThat(((PricingResult.Priced) PRICER.price(fourOcusForAnHour, CARD)).pricedEvent().totalUsd()).isEqualByComparingTo("0.96");
        }

        @Test
        void s3VectorsHasNoUnitPriceInTheGuide() {
            PricingResult result = PRICER.price(accountEvent(Dimension.S3_VECTORS_STORAGE_GB_MONTHS, 10), CARD);
            assertThat(result).isInstanceOf(PricingResult.Unpriced.class);
        }
    }

    @Nested
    class CustomizationAndProvisionedThroughput {

        @Test
        void fineTuningTitanTextExpressWith20mTokensOver3Epochs() {
            // "(60M tokens / 1K) x $0.008 = $480 one-time"
            assertThat(model("amazon.titan-text-express-v1").quantity(Dimension.CUSTOMIZATION_TRAINING_TOKENS, 60_000_000).total())
                    .isEqualByComparingTo("480");
            assertThat(model("meta.llama2-13b-chat-v1").quantity(Dimension.CUSTOMIZATION_TRAINING_TOKENS, 1000).total())
                    .isEqualByComparingTo("0.00149");
            assertThat(account(Dimension.CUSTOM_MODEL_STORAGE_MONTHS, 1)).isEqualByComparingTo("1.95");
        }

        @Test
        void reinforcementFineTuningIs80DollarsAnHour() {
            assertThat(model("openai.gpt-oss-20b-1:0").quantity(Dimension.REINFORCEMENT_FINE_TUNING_HOURS, 2).total()).isEqualByComparingTo("160");
            assertThat(model("qwen.qwen3-32b-v1:0").quantity(Dimension.REINFORCEMENT_FINE_TUNING_HOURS, 1).total()).isEqualByComparingTo("80");
        }

        @Test
        void provisionedThroughputPerModelUnitHourByCommitment() {
            // Titan Text Express 1 MU: 1-month $13,248/month (720 h × $18.40), 6-month $10,656/month (720 h × $14.80)
            assertThat(model("amazon.titan-text-express-v1").quantity(Dimension.PROVISIONED_MU_HOURS_1_MONTH, 720).total())
                    .isEqualByComparingTo("13248");
            assertThat(model("amazon.titan-text-express-v1").quantity(Dimension.PROVISIONED_MU_HOURS_6_MONTH, 720).total())
                    .isEqualByComparingTo("10656");
            // Meta Llama 2 "$21.18 ... ~$15,758" (744 h); Titan Express "(2 MUs) ~$27,379"; Cohere Command "$39.60 ... ~$29,462"
            assertThat(model("meta.llama2-13b-chat-v1").quantity(Dimension.PROVISIONED_MU_HOURS_1_MONTH, 744).total()).isEqualByComparingTo("15757.92");
            assertThat(model("amazon.titan-text-express-v1").quantity(Dimension.PROVISIONED_MU_HOURS_1_MONTH, 2 * 744).total()).isEqualByComparingTo("27379.2");
            assertThat(model("cohere.command-text-v14").quantity(Dimension.PROVISIONED_MU_HOURS_1_MONTH, 744).total()).isEqualByComparingTo("29462.4");
        }

        @Test
        void aCommitmentTheGuideGivesNoPriceForIsQuarantined() {
            PricingResult result = PRICER.price(call("amazon.titan-text-express-v1", "default")
                    .quantity(Dimension.PROVISIONED_MU_HOURS_NO_COMMITMENT, 1).build(), CARD);
            assertThat(((PricingResult.Unpriced) result).reason())
                    .isEqualTo("rate card 2026-02 has no price for provisioned_mu_hours_no_commitment of model 'amazon.titan-text-express-v1'");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A model's flat-priced usage (images, rerank queries, hours …), built up and priced. */
    static Call model(String model) {
        return new Call(model, "");
    }

    static BigDecimal account(Dimension dimension, long quantity) {
        return pricedAccount(dimension, quantity).totalUsd();
    }

    static PricedEvent pricedAccount(Dimension dimension, long quantity) {
        PricingResult result = PRICER.price(accountEvent(dimension, quantity), CARD);
        assertThat(result).isInstanceOf(PricingResult.Priced.class);
        return ((PricingResult.Priced) result).pricedEvent();
    }

    static UsageEvent accountEvent(Dimension dimension, long quantity) {
        return new UsageEvent("test-app", "evt-1", "bedrock.feature", FEB_10, "", "", null, "", null,
                List.of(new Quantity(dimension, BigDecimal.valueOf(quantity))));
    }

    /**
     * What {@code quantity} units cost at the model's rate: one unit priced, times the quantity (so
     * no per-request threshold, such as long context, applies to the guide's "per 1M" rates).
     */
    static BigDecimal cost(String model, String tier, Dimension dimension, long quantity) {
        PricedEvent priced = priced(call(model, tier).quantity(dimension, 1));
        return line(priced, dimension).costUsd().multiply(BigDecimal.valueOf(quantity));
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

        Call quantity(Dimension d, BigDecimal n) {
            quantities.add(new Quantity(d, n));
            return this;
        }

        Call images(long n) {
            return quantity(Dimension.IMAGES, n);
        }

        BigDecimal total() {
            return priced(this).totalUsd();
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
