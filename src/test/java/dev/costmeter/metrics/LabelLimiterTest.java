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
}
