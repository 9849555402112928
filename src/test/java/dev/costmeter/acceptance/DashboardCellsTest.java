package dev.costmeter.acceptance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spend panels show the whole bill when costmeter runs as cells (docs/architecture.md, "Past one
 * machine"): each cell's scrape job carries a {@code cell} label, the instances of one cell report the
 * same ledger (counted once), and the cells' ledgers add up. The panels' own queries, taken from the
 * dashboard files, are evaluated by promtool over series of two cells, one with two instances.
 * Without a {@code cell} label (one deployment) the same queries are what DashboardValuesIT checks
 * against the ledger.
 */
class DashboardCellsTest {

    static final String SERIES = """
                  - series: 'costmeter_spend_usd{period="today",instance="a1",cell="a"}'
                    values: '10x5'
                  - series: 'costmeter_spend_usd{period="today",instance="a2",cell="a"}'
                    values: '10x5'
                  - series: 'costmeter_spend_usd{period="today",instance="b1",cell="b"}'
                    values: '5x5'
                  - series: 'costmeter_spend_window_usd{window="1h",source="s1",model="m1",dimension="input_tokens",tier="default",instance="a1",cell="a"}'
                    values: '2x5'
                  - series: 'costmeter_spend_window_usd{window="1h",source="s1",model="m1",dimension="input_tokens",tier="default",instance="a2",cell="a"}'
                    values: '2x5'
                  - series: 'costmeter_spend_window_usd{window="1h",source="s1",model="m1",dimension="input_tokens",tier="default",instance="b1",cell="b"}'
                    values: '3x5'
                  - series: 'costmeter_spend_window_usd{window="1h",source="s2",model="m2",dimension="output_tokens",tier="default",instance="b1",cell="b"}'
                    values: '4x5'
                  - series: 'costmeter_spend_window_usd{window="1d",source="s1",model="m1",dimension="input_tokens",tier="default",instance="a1",cell="a"}'
                    values: '20x5'
                  - series: 'costmeter_spend_window_usd{window="1d",source="s1",model="m1",dimension="input_tokens",tier="default",instance="a2",cell="a"}'
                    values: '20x5'
                  - series: 'costmeter_spend_window_usd{window="1d",source="s1",model="m1",dimension="input_tokens",tier="default",instance="b1",cell="b"}'
                    values: '30x5'
                  - series: 'costmeter_spend_window_by_subject_usd{window="1d",subject="t1",instance="a1",cell="a"}'
                    values: '7x5'
                  - series: 'costmeter_spend_window_by_subject_usd{window="1d",subject="t1",instance="a2",cell="a"}'
                    values: '7x5'
                  - series: 'costmeter_spend_window_by_subject_usd{window="1d",subject="t1",instance="b1",cell="b"}'
                    values: '1x5'
            """;

    /** Panel title → expected samples (labels → value): cell a once (not twice), plus cell b. */
    static final Map<String, Map<String, Double>> EXPECTED = Map.of(
            "Spend today (UTC)", Map.of("{}", 15.0),
            "Spend rate, last hour ($/h)", Map.of("{}", 9.0),
            "Spend by model, last hour", Map.of("{model=\"m1\"}", 5.0, "{model=\"m2\"}", 4.0),
            "Spend by billing dimension, last hour", Map.of("{dimension=\"input_tokens\"}", 5.0, "{dimension=\"output_tokens\"}", 4.0),
            "Top spenders, last 24 h", Map.of("{source=\"s1\"}", 50.0),
            "Top models, last 24 h", Map.of("{model=\"m1\"}", 50.0),
            "Spend by tenant, last 24 h", Map.of("{subject=\"t1\"}", 8.0));

    @Test
    void theSpendPanelsAddTheCellsUpAndCountEachCellOnce(@TempDir Path dir) throws Exception {
        Map<String, String> panels = DashboardValuesIT.panelQueries().get("costmeter-spend");
        assertThat(promtool(dir, panels)).as("the dashboards' queries over two cells").isZero();
    }

    /** A test that passes the old queries (max over every instance, whatever its cell) would test nothing. */
    @Test
    void theQueriesBeforeCellsFailIt(@TempDir Path dir) throws Exception {
        Map<String, String> panels = new java.util.HashMap<>();
        DashboardValuesIT.panelQueries().get("costmeter-spend").forEach((title, expr) -> panels.put(title,
                expr.replace("max by (cell, ", "max by (").replaceAll("sum\\(max by \\(cell\\) \\((.*)\\)\\)", "max($1)")));
        assertThat(panels.get("Spend today (UTC)")).isEqualTo("max(costmeter_spend_usd{period=\"today\"})");
        assertThat(promtool(dir, panels)).isNotZero();
    }

    static int promtool(Path dir, Map<String, String> panels) throws Exception {
        StringBuilder tests = new StringBuilder("""
                rule_files: []
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                """).append(SERIES).append("    promql_expr_test:\n");
        for (Map.Entry<String, Map<String, Double>> panel : new java.util.TreeMap<>(EXPECTED).entrySet()) {
            String expr = panels.get(panel.getKey());
            assertThat(expr).as("panel " + panel.getKey()).isNotNull();
            tests.append("      - expr: '").append(expr.replace("$source", ".*").replace("'", "''")).append("'\n")
                    .append("        eval_time: 2m\n        exp_samples:\n");
            panel.getValue().forEach((labels, value) -> tests.append("          - labels: '").append(labels).append("'\n")
                    .append("            value: ").append(value).append('\n'));
        }
        Path file = dir.resolve("dashboard-cells-test.yml");
        Files.writeString(file, tests);
        PrometheusRulesTest.Promtool result = PrometheusRulesTest.promtool(List.of("test", "rules", file.toString()));
        System.out.println(result.output());
        return result.exitCode();
    }
}
