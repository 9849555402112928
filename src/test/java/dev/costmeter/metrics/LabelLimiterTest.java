package dev.costmeter.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LabelLimiterTest {

    @Test
    void valuesPastTheLimitAreReportedAsOther() {
        LabelLimiter limiter = new LabelLimiter(2);
        assertThat(limiter.limit("a")).isEqualTo("a");
        assertThat(limiter.limit("b")).isEqualTo("b");
        assertThat(limiter.limit("c")).isEqualTo("other");
        assertThat(limiter.limit("a")).isEqualTo("a");
        assertThat(limiter.limit("d")).isEqualTo("other");
    }

    @Test
    void theTotalNumberOfSeriesIsCappedWhateverTheLabels() {
        // 200 sources × 200 models × 3 dimensions pass the per-label limits as 51 × 101 × 3 = 15,453 label sets
        LabelLimiter sources = new LabelLimiter(50);
        LabelLimiter models = new LabelLimiter(100);
        java.util.List<String> overflow = java.util.List.of("other", "other", "other", "other");
        SeriesCap<java.util.List<String>> cap = new SeriesCap<>(2000, overflow);
        java.util.Set<java.util.List<String>> uncapped = new java.util.HashSet<>();
        java.util.Set<java.util.List<String>> capped = new java.util.HashSet<>();
        for (int s = 0; s < 200; s++) {
            for (int m = 0; m < 200; m++) {
                for (String dimension : java.util.List.of("input_tokens", "output_tokens", "cache_read_input_tokens")) {
                    java.util.List<String> labels = java.util.List.of(sources.limit("source-" + s), models.limit("model-" + m), dimension, "default");
                    uncapped.add(labels);
                    capped.add(cap.limit(labels));
                }
            }
        }
        assertThat(uncapped).hasSize(51 * 101 * 3);
        assertThat(capped).hasSize(2001).contains(overflow);
    }
}
