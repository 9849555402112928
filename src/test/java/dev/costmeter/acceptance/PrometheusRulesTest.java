package dev.costmeter.acceptance;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/prometheus: the alert rules pass {@code promtool check rules}, and their unit tests
 * (when each alert fires and when it does not) pass {@code promtool test rules}. promtool comes
 * with Debian's prometheus package, which .ci/run installs.
 */
class PrometheusRulesTest {

    @Test
    void theRulesAreValid() throws Exception {
        String out = run(List.of("promtool", "check", "rules", "deploy/prometheus/costmeter-rules.yml"));
        assertThat(out).contains("SUCCESS: 11 rules found");
    }

    @Test
    void everyAlertFiresWhenItShouldAndNotOtherwise() throws Exception {
        String out = run(List.of("promtool", "test", "rules", "deploy/prometheus/tests/costmeter-rules-test.yml"));
        assertThat(out).contains("SUCCESS").doesNotContain("FAILED");
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed: apt-get install --no-install-recommends prometheus", e);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }
}
