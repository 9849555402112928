package dev.costmeter.savings;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.ratecard.RateCardCatalog;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Each strategy's figure, computed by hand from the guide's prices (rate card 2026-02). */
class SavingsAdvisorTest {

    static final RateCard CARD = RateCardCatalog.loadBundled().get(0);
    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String NOVA_PRO = "amazon.nova-pro-v1:0";
    static final String TITAN_EMBED = "amazon.titan-embed-text-v2:0";

    /** The advice's one recommendation of a strategy. */
    static SavingsAdvisor.Recommendation only(SavingsAdvisor.Advice advice, String strategy) {
        return advice.recommendations().stream().filter(r -> r.strategy().equals(strategy)).findFirst().orElseThrow();
    }

    static SavingsAdvisor.Usage usage(String source, String model, String tier, Dimension d, String quantity, String cost) {
        return new SavingsAdvisor.Usage(source, model, tier, d, new BigDecimal(quantity), new BigDecimal(cost));
    }

    // A day of support-bot on Sonnet 4.5 at the default tier: 1M input ($3), 100K output ($1.50), 500K cache reads ($0.15) = $4.65
    final List<SavingsAdvisor.Usage> day = List.of(
            usage("support-bot", SONNET_45, "default", Dimension.INPUT_TOKENS, "1000000", "3"),
            usage("support-bot", SONNET_45, "default", Dimension.OUTPUT_TOKENS, "100000", "1.5"),
            usage("support-bot", SONNET_45, "default", Dimension.CACHE_READ_INPUT_TOKENS, "500000", "0.15"),
            // report-job already on Flex: 2M Nova Pro input at $0.80 × 0.5 = $0.80
            usage("report-job", NOVA_PRO, "flex", Dimension.INPUT_TOKENS, "2000000", "0.8"),
            // embeddings: Titan has no smaller sibling
            usage("search", TITAN_EMBED, "default", Dimension.INPUT_TOKENS, "10000000", "0.2"));

    @Test
    void eachStrategyRepricesTheMeasuredTokens() {
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(day, CARD, Duration.ofDays(1), Set.of("report-job"));
        List<SavingsAdvisor.Recommendation> bot = advice.recommendations().stream().filter(r -> r.source().equals("support-bot")).toList();
        // Haiku 4.5: $1 + $0.50 + $0.05 = $1.55, saving $3.10; batch and Flex: half of $4.65; prompt caching at an 80% hit rate:
        // of the 1.5M prompt tokens 1.2M read ($0.36) and 300K uncached ($0.90) instead of $3.15, saving $1.89
        assertThat(bot).extracting(SavingsAdvisor.Recommendation::strategy).containsExactly("smaller-model", "batch", "flex", "prompt-caching");
        assertThat(bot.get(3).costNowUsd()).isEqualByComparingTo("3.15");
        assertThat(bot.get(3).costAlternativeUsd()).isEqualByComparingTo("1.26");
        assertThat(bot.get(3).assumption()).isEqualTo("if 80% of the prompt tokens were cache reads (now 33.33% at the default tier), "
                + "with the cache writes as measured");
        assertThat(bot.get(0).costNowUsd()).isEqualByComparingTo("4.65");
        assertThat(bot.get(0).costAlternativeUsd()).isEqualByComparingTo("1.55");
        assertThat(bot.get(0).savingUsd()).isEqualByComparingTo("3.10");
        assertThat(bot.get(0).savingPerMonthUsd()).isEqualTo(new BigDecimal("93.00"));
        assertThat(bot.get(0).assumption()).contains("Claude Haiku 4.5").contains("quality");
        assertThat(bot.get(1).costAlternativeUsd()).isEqualByComparingTo("2.325");
        assertThat(bot.get(1).savingPerMonthUsd()).isEqualTo(new BigDecimal("69.75"));
        assertThat(bot.get(1).assumption()).startsWith("if this workload tolerates results within 24 h");
        assertThat(bot.get(2).savingUsd()).isEqualByComparingTo("2.325");
    }

    @Test
    void whatCannotBePricedOrSavesNothingIsSkippedWithTheReasonNeverShownAsZero() {
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(day, CARD, Duration.ofDays(1), Set.of("report-job"));
        assertThat(advice.recommendations()).allMatch(r -> r.savingUsd().signum() > 0);
        // report-job on Nova Pro Flex: Flex is where it is; batch (also half) saves nothing; Nova Lite does
        assertThat(advice.skipped()).anyMatch(s -> s.source().equals("report-job") && s.strategy().equals("flex")
                && s.reason().equals("already runs at the flex tier"));
        assertThat(advice.skipped()).anyMatch(s -> s.source().equals("report-job") && s.strategy().equals("batch")
                && s.reason().startsWith("would not cost less"));
        assertThat(advice.recommendations()).anyMatch(r -> r.source().equals("report-job") && r.strategy().equals("smaller-model")
                && r.costAlternativeUsd().compareTo(new BigDecimal("0.06")) == 0); // 2M × $0.06/1M × 0.5
        assertThat(advice.skipped()).anyMatch(s -> s.source().equals("search") && s.strategy().equals("smaller-model")
                && s.reason().contains("names no smaller model of the same family for Titan Embeddings V2"));
    }

    @Test
    void longContextTokensHaveNoPriceOnTheSmallerModelSoThatStrategyIsSkipped() {
        List<SavingsAdvisor.Usage> longPrompts = List.of(
                usage("rag", SONNET_45, "default", Dimension.INPUT_TOKENS, "200000", "0.6"),
                usage("rag", SONNET_45, "default", Dimension.LONG_CONTEXT_INPUT_TOKENS, "100000", "0.6"));
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(longPrompts, CARD, Duration.ofDays(1), Set.of());
        assertThat(advice.skipped()).anyMatch(s -> s.strategy().equals("smaller-model")
                && s.reason().equals("the rate card has no price for long_context_input_tokens under this alternative"));
        assertThat(advice.recommendations()).noneMatch(r -> r.strategy().equals("smaller-model"));
    }

    @Test
    void provisionedThroughputVectorStoreGuardrailsAndAgents() {
        String llama = "meta.llama2-13b-chat-v1";
        List<SavingsAdvisor.Usage> usage = List.of(
                // a day of Llama 2 13B on demand: 700M input at $0.75/1M = $525, above one model unit's 24 × $21.18 = $508.32
                usage("batch-llm", llama, "default", Dimension.INPUT_TOKENS, "700000000", "525"),
                // the OpenSearch floor, 2 OCUs × 24 h at $0.24, for 100 Knowledge Base queries
                usage("kb", null, "default", Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS, "48", "11.52"),
                usage("kb", null, "default", Dimension.KB_GENERATE_QUERY_CALLS, "100", "0"),
                // Guardrails: content filters $0.20, denied topics $0.10
                usage("chat", null, "default", Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, "1333.333", "0.2"),
                usage("chat", null, "default", Dimension.GUARDRAIL_TOPIC_POLICY_UNITS, "666.666", "0.1"));
        List<SavingsAdvisor.AgentCalls> agents = List.of(
                new SavingsAdvisor.AgentCalls("agent-app", 10, 6, 1, new BigDecimal("1.00"), new BigDecimal("0.25")),
                new SavingsAdvisor.AgentCalls("steady-agent", 10, 6, 0, new BigDecimal("1.00"), BigDecimal.ZERO));
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(usage, agents, CARD, Duration.ofDays(1), SavingsAdvisor.Assumptions.DEFAULT);

        SavingsAdvisor.Recommendation pt = only(advice, "provisioned-throughput");
        assertThat(pt.source()).isEqualTo("(all sources)"); // a model unit serves the account
        assertThat(pt.costAlternativeUsd()).isEqualByComparingTo("508.32");
        assertThat(pt.savingUsd()).isEqualByComparingTo("16.68");
        assertThat(advice.skipped()).anyMatch(s -> s.strategy().equals("vector-store")
                && s.reason().startsWith("the OpenSearch Serverless floor cost 11.52 USD for 100 queries, 0.115200 USD each")
                && s.reason().contains("no Amazon S3 Vectors price"));
        SavingsAdvisor.Recommendation guard = only(advice, "guardrails");
        assertThat(guard.costNowUsd()).isEqualByComparingTo("0.3");
        assertThat(guard.savingUsd()).isEqualByComparingTo("0.2");
        assertThat(guard.assumption()).startsWith("if this source does not need content policy, the dearest of its Guardrails policies (66.67%");
        SavingsAdvisor.Recommendation calls = only(advice, "agent-calls");
        assertThat(calls.savingUsd()).isEqualByComparingTo("0.25");
        assertThat(calls.savingPerMonthUsd()).isEqualTo(new BigDecimal("7.50"));
        assertThat(advice.skipped()).anyMatch(s -> s.source().equals("steady-agent") && s.strategy().equals("agent-calls"));

        // a smaller day stays below the model unit: skipped with both hourly figures
        SavingsAdvisor.Advice small = SavingsAdvisor.advise(List.of(usage("x", llama, "default", Dimension.INPUT_TOKENS, "1000000", "0.75")),
                List.of(), CARD, Duration.ofDays(1), SavingsAdvisor.Assumptions.DEFAULT);
        assertThat(small.skipped()).anyMatch(s -> s.strategy().equals("provisioned-throughput")
                && s.reason().equals("on demand costs 0.03 USD an hour, below one model unit's 21.18 USD (1-month commitment)"));
    }

    @Test
    void theGuidesCachingBreakevenShowsInTheMeasuredPattern() {
        // The guide: with the 5-minute TTL, a context reused 2 or more times caches at a profit. 10,000 tokens of Sonnet 4.5
        // context written once ($0.0375) and read once ($0.003) cost $0.0405 against $0.06 uncached: caching already saves.
        // An 80% hit rate on that prompt (20,000 tokens: 16,000 read while 10,000 are written) would need more reuse of what is
        // written than the usage can tell: skipped, saying so.
        List<SavingsAdvisor.Usage> once = List.of(
                usage("rag", SONNET_45, "default", Dimension.CACHE_WRITE_5M_INPUT_TOKENS, "10000", "0.0375"),
                usage("rag", SONNET_45, "default", Dimension.CACHE_READ_INPUT_TOKENS, "10000", "0.003"));
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(once, CARD, Duration.ofDays(1), Set.of());
        assertThat(advice.recommendations()).noneMatch(r -> r.strategy().equals("prompt-caching"));
        assertThat(advice.skipped()).anyMatch(s -> s.strategy().equals("prompt-caching") && s.reason().equals("at the default tier the cache writes are 50% of the prompt: a 80% hit rate would need more reuse of what is "
                        + "written, which the usage cannot tell (hit rate now 50%)"));
    }

    @Test
    void theGuidesBatchSummarizationHalvesOnDemand() {
        // The guide's pipeline on demand: 50,000 documents a day for 30 days, 4,000 input + 1,000 output tokens each on Nova Lite:
        // 6 billion input at $0.06/1M = $360 and 1.5 billion output at $0.24/1M = $360. Batch inference: half, $360 a month saved.
        List<SavingsAdvisor.Usage> month = List.of(
                usage("summaries", "amazon.nova-lite-v1:0", "default", Dimension.INPUT_TOKENS, "6000000000", "360"),
                usage("summaries", "amazon.nova-lite-v1:0", "default", Dimension.OUTPUT_TOKENS, "1500000000", "360"));
        SavingsAdvisor.Recommendation batch = only(SavingsAdvisor.advise(month, CARD, Duration.ofDays(30), Set.of("summaries")), "batch");
        assertThat(batch.costAlternativeUsd()).isEqualByComparingTo("360");
        assertThat(batch.savingPerMonthUsd()).isEqualTo(new BigDecimal("360.00"));
        assertThat(batch.assumption()).startsWith("the source is declared non-interactive");
    }

    @Test
    void aOneHourTtlPaysWhereFiveMinuteWritesRecurWithinTheHour() {
        // 10,000 tokens of Sonnet 4.5 written with the 5-minute TTL at 10:00, 10:10, 10:20 and 11:30: 4 × $0.0375 = $0.15.
        // With the 1-hour TTL: 10:00 at $6/1M ($0.06), 10:10 and 10:20 read at $0.30/1M ($0.003 each), 11:30 a new hour ($0.06)
        List<SavingsAdvisor.CacheWrites> writes = java.util.stream.Stream.of("10:00", "10:10", "10:20", "11:30")
                .map(t -> new SavingsAdvisor.CacheWrites("rag", SONNET_45, "default", java.time.Instant.parse("2026-02-10T" + t + ":00Z"),
                        new BigDecimal("10000"), new BigDecimal("0.0375"))).toList();
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(List.of(usage("rag", SONNET_45, "default",
                Dimension.CACHE_WRITE_5M_INPUT_TOKENS, "40000", "0.15")), List.of(), writes, CARD, Duration.ofDays(1), SavingsAdvisor.Assumptions.DEFAULT);
        SavingsAdvisor.Recommendation ttl = only(advice, "cache-1h-ttl");
        assertThat(ttl.costNowUsd()).isEqualByComparingTo("0.15");
        assertThat(ttl.costAlternativeUsd()).isEqualByComparingTo("0.126");
        assertThat(ttl.assumption()).contains("turns the 2 re-writes within an hour of a first write into reads");
        // writes an hour and more apart: nothing to gain
        SavingsAdvisor.Advice apart = SavingsAdvisor.advise(List.of(), List.of(), List.of(writes.get(0), writes.get(3)), CARD, Duration.ofDays(1),
                SavingsAdvisor.Assumptions.DEFAULT);
        assertThat(apart.recommendations()).isEmpty();
    }
}
