package dev.costmeter.rerate;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Re-rating aggregates: exact where quantities keep their meaning, refused where the target card changes them. */
class ReratingTest {

    static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    static String bundled() throws IOException {
        return new String(ReratingTest.class.getClassLoader().getResourceAsStream("ratecards/2026-02.yaml").readAllBytes(),
                StandardCharsets.UTF_8);
    }

    static RateCard variant(String version, String from, String to) throws IOException {
        String text = bundled().replace("version: \"2026-02\"", "version: \"" + version + "\"");
        assertThat(text).contains(from);
        return RateCardLoader.parse(text.replace(from, to));
    }

    static Rerating.Aggregate aggregate(String model, Dimension d, String quantity, String cost) {
        return new Rerating.Aggregate("app", model, "default", d, "2026-02", new BigDecimal(quantity), new BigDecimal(cost));
    }

    @Test
    void aPriceCorrectionReratesEachAggregateExactly() throws IOException {
        RateCard original = RateCardLoader.parse(bundled());
        RateCard cheaper = variant("haiku-cut", "name: \"Claude Haiku 4.5\",  input: \"1.00\"", "name: \"Claude Haiku 4.5\",  input: \"0.80\"");
        // 1M input ($1.00 → $0.80), 100K output ($0.50, unchanged), 500K cache reads (0.1 × input: $0.05 → $0.04)
        Rerating.Diff diff = Rerating.diff(List.of(
                aggregate(HAIKU_45, Dimension.INPUT_TOKENS, "1000000", "1"),
                aggregate(HAIKU_45, Dimension.OUTPUT_TOKENS, "100000", "0.5"),
                aggregate(HAIKU_45, Dimension.CACHE_READ_INPUT_TOKENS, "500000", "0.05")), cheaper, Map.of("2026-02", original)::get);
        assertThat(diff.problems()).isEmpty();
        assertThat(diff.oldTotalUsd()).isEqualByComparingTo("1.55");
        assertThat(diff.newTotalUsd()).isEqualByComparingTo("1.34");
        assertThat(diff.lines()).extracting(Rerating.Line::dimension, l -> l.deltaUsd().stripTrailingZeros().toPlainString())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("input_tokens", "-0.2"),
                        org.assertj.core.groups.Tuple.tuple("output_tokens", "0"),
                        org.assertj.core.groups.Tuple.tuple("cache_read_input_tokens", "-0.01"));
    }

    @Test
    void aCardThatChangesWhatQuantitiesMeanIsRefused() throws IOException {
        RateCard original = RateCardLoader.parse(bundled());
        RateCard threshold = variant("lc-100k", "claude-1m: { inputTokensAbove: 200000", "claude-1m: { inputTokensAbove: 100000");
        Rerating.Diff moved = Rerating.diff(List.of(aggregate(SONNET_45, Dimension.INPUT_TOKENS, "150000", "0.45")), threshold,
                Map.of("2026-02", original)::get);
        assertThat(moved.problems()).containsExactly(SONNET_45 + ": rate card lc-100k changes its long-context rule, which moves tokens "
                + "between dimensions: aggregates cannot be re-rated exactly");
        RateCard floor = variant("floor-3", "opensearch_serverless_ocu_hours: { perHour: \"2\" }",
                "opensearch_serverless_ocu_hours: { perHour: \"3\" }");
        Rerating.Diff minimum = Rerating.diff(List.of(new Rerating.Aggregate("kb", "", "default", Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS,
                "2026-02", new BigDecimal("48"), new BigDecimal("11.52"))), floor, Map.of("2026-02", original)::get);
        assertThat(minimum.problems()).singleElement().asString().startsWith("opensearch_serverless_ocu_hours: rate card floor-3 changes its hourly minimum");
        Rerating.Diff unknown = Rerating.diff(List.of(aggregate("acme.gone", Dimension.INPUT_TOKENS, "1", "1")), original,
                Map.of("2026-02", original)::get);
        assertThat(unknown.problems()).containsExactly("acme.gone: not in rate card 2026-02");
    }

    @Test
    void aCorrectionAtTheSameInstantTakesTheCorrectedCardsPlaceAndALaterOneFollowsIt() throws IOException {
        RateCard original = RateCardLoader.parse(bundled());
        RateCard sameInstant = variant("2026-02-fix", "version: \"2026-02-fix\"", "version: \"2026-02-fix\"\ncorrects: \"2026-02\"");
        RateCard fromMarch = RateCardLoader.parse(bundled().replace("version: \"2026-02\"", "version: \"2026-02-march\"\ncorrects: \"2026-02\"")
                .replace("effectiveFrom: \"2026-02-01T00:00:00Z\"", "effectiveFrom: \"2026-03-01T00:00:00Z\""));
        assertThat(sameInstant.corrects()).isEqualTo("2026-02");
        assertThat(original.corrects()).isNull();

        dev.costmeter.pricing.RateCardTimeline replaced = new dev.costmeter.pricing.RateCardTimeline(List.of(original, sameInstant));
        assertThat(replaced.cards()).extracting(RateCard::version).containsExactly("2026-02-fix");
        assertThat(replaced.cardAt(java.time.Instant.parse("2026-02-10T00:00:00Z")).version()).isEqualTo("2026-02-fix");

        dev.costmeter.pricing.RateCardTimeline followed = new dev.costmeter.pricing.RateCardTimeline(List.of(original, fromMarch));
        assertThat(followed.cardAt(java.time.Instant.parse("2026-02-10T00:00:00Z")).version()).isEqualTo("2026-02");
        assertThat(followed.cardAt(java.time.Instant.parse("2026-03-10T00:00:00Z")).version()).isEqualTo("2026-02-march");
    }

    @Test
    void theNewCostOfEachAggregateComesBackInItsOrder() throws IOException {
        RateCard cheaper = variant("haiku-cut", "name: \"Claude Haiku 4.5\",  input: \"1.00\"", "name: \"Claude Haiku 4.5\",  input: \"0.80\"");
        RateCard original = RateCardLoader.parse(bundled());
        List<Rerating.Aggregate> aggregates = List.of(aggregate(HAIKU_45, Dimension.INPUT_TOKENS, "1000", "0.001"),
                aggregate(HAIKU_45, Dimension.OUTPUT_TOKENS, "10", "0.00005"), aggregate(HAIKU_45, Dimension.INPUT_TOKENS, "3", "0.000003"));
        java.util.function.Function<String, RateCard> cards = v -> Map.of("2026-02", original).get(v);
        Rerating.Diff diff = Rerating.diff(aggregates, cheaper, cards);
        List<BigDecimal> newCosts = aggregates.stream().map(a -> a.quantity().multiply(Rerating.unitPrice(a, cheaper, cards,
                new java.util.LinkedHashSet<>()))).toList();
        assertThat(newCosts).usingElementComparator(BigDecimal::compareTo).containsExactly(new BigDecimal("0.0008"), new BigDecimal("0.00005"), new BigDecimal("0.0000024"));
        assertThat(diff.newTotalUsd()).isEqualByComparingTo("0.0008524");
    }
}
