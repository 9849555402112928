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
        // Haiku 4.5: $1 + $0.50 + $0.05 = $1.55, saving $3.10; batch and Flex: half of $4.65
        assertThat(bot).extracting(SavingsAdvisor.Recommendation::strategy).containsExactly("smaller-model", "batch", "flex");
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
}
