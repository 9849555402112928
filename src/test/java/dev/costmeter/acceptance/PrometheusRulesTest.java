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

    /**
     * The rule tests catch a change of one token in the budget rules: each mutation below must make
     * {@code promtool test rules} fail (a test suite that passes a broken rule is no test).
     */
    @Test
    void everyOneTokenChangeToTheBudgetRulesFailsTheRuleTests(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String rules = java.nio.file.Files.readString(java.nio.file.Path.of("deploy/prometheus/costmeter-rules.yml"));
        java.nio.file.Files.createDirectories(dir.resolve("tests"));
        java.nio.file.Files.copy(java.nio.file.Path.of("deploy/prometheus/tests/costmeter-rules-test.yml"), dir.resolve("tests/costmeter-rules-test.yml"));
        java.util.Map<String, String> mutations = new java.util.LinkedHashMap<>();
        mutations.put("slow burn without its 30m window", rules.replace("\n          and\n          max by (budget, period) "
                + "(max_over_time(costmeter_budget_burn_rate{window=\"30m\"}[3m])) > 6", ""));
        mutations.put("slow burn threshold 6 -> 7", rules.replace("[3m])) > 6\n", "[3m])) > 7\n"));
        mutations.put("forecast for 30m -> 25m", rules.replace("        for: 30m\n", "        for: 25m\n"));
        mutations.put("fast burn > -> >=", rules.replace("[3m])) > 14.4", "[3m])) >= 14.4"));
        mutations.put("slow burn > -> >=", rules.replace("[3m])) > 6", "[3m])) >= 6"));
        mutations.put("forecast > -> >=", rules.replace("          > on (budget, period)", "          >= on (budget, period)"));
        mutations.put("no keep_firing_for", rules.replace("        keep_firing_for: 10m\n", ""));
        mutations.put("no max_over_time", rules.replaceAll("max_over_time\\((costmeter_[a-z_]+(\\{[^}]*})?)\\[3m]\\)", "$1"));
        mutations.put("forecast alerts not held", rules.replace("\n          and on (budget, period)\n          max by (budget, period) "
                + "(max_over_time(costmeter_budget_forecast_alertable[3m])) == 1", ""));
        for (java.util.Map.Entry<String, String> m : mutations.entrySet()) {
            assertThat(m.getValue()).as(m.getKey() + ": the mutation must change the rules").isNotEqualTo(rules);
            java.nio.file.Files.writeString(dir.resolve("costmeter-rules.yml"), m.getValue());
            assertThat(promtool(List.of("test", "rules", dir.resolve("tests/costmeter-rules-test.yml").toString())).exitCode())
                    .as(m.getKey() + " passed the rule tests").isNotZero();
        }
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Promtool result = promtool(command.subList(1, command.size()));
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output();
    }

    /** What promtool printed and how it exited. */
    record Promtool(int exitCode, String output) {
    }

    static Promtool promtool(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(arguments);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not installed: apt-get install --no-install-recommends prometheus", e);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Promtool(process.exitValue(), out);
    }
}
