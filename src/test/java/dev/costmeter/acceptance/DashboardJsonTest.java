package dev.costmeter.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboards' structure, checked without Grafana (it cannot be installed on our build
 * machines): stable uids, the provisioned datasource on every panel and query, unique panel ids,
 * panels on the grid without overlap, and no variable used that is not defined.
 * {@link DashboardQueriesAcceptanceTest} runs every query against a real Prometheus.
 */
class DashboardJsonTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path DASHBOARDS = Path.of("grafana/dashboards");
    static final String DATASOURCE_UID = "costmeter-prometheus";
    static final Pattern VARIABLE = Pattern.compile("\\$(\\w+)");

    @Test
    void dashboardsHaveStableUidsAndTitles() throws IOException {
        Map<String, String> uids = new TreeMap<>();
        for (Map.Entry<Path, JsonNode> d : dashboards().entrySet()) {
            uids.put(d.getValue().path("uid").asText(), d.getValue().path("title").asText());
        }
        assertThat(uids.keySet()).containsExactly("costmeter-budgets", "costmeter-pipeline", "costmeter-spend");
        assertThat(uids.values()).allMatch(title -> title.startsWith("costmeter — "));
    }

    @Test
    void everyPanelQueriesTheProvisionedDatasourceAndFitsTheGrid() throws IOException {
        String provisioning = Files.readString(Path.of("grafana/provisioning/datasources/prometheus.yml"));
        assertThat(provisioning).contains("uid: " + DATASOURCE_UID);
        for (Map.Entry<Path, JsonNode> d : dashboards().entrySet()) {
            JsonNode dashboard = d.getValue();
            Set<Integer> ids = new HashSet<>();
            Set<String> cells = new HashSet<>();
            Set<String> variables = new HashSet<>(List.of("__range", "__rate_interval", "__interval"));
            dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
            assertThat(dashboard.path("panels")).as(d.getKey().toString()).isNotEmpty();
            for (JsonNode panel : dashboard.path("panels")) {
                String where = d.getKey() + " panel '" + panel.path("title").asText() + "'";
                assertThat(ids.add(panel.path("id").asInt())).as(where + ": unique id").isTrue();
                assertThat(panel.path("title").asText()).as(where).isNotBlank();
                assertThat(panel.path("type").asText()).as(where).isIn("stat", "timeseries", "barchart", "piechart", "table", "bargauge");
                assertThat(panel.path("datasource").path("uid").asText()).as(where).isEqualTo(DATASOURCE_UID);
                JsonNode grid = panel.path("gridPos");
                int x = grid.path("x").asInt(), y = grid.path("y").asInt(), w = grid.path("w").asInt(), h = grid.path("h").asInt();
                assertThat(w).as(where).isPositive();
                assertThat(h).as(where).isPositive();
                assertThat(x + w).as(where + ": within 24 columns").isLessThanOrEqualTo(24);
                for (int i = x; i < x + w; i++) {
                    for (int j = y; j < y + h; j++) {
                        assertThat(cells.add(i + "," + j)).as(where + ": overlaps another panel at " + i + "," + j).isTrue();
                    }
                }
                assertThat(panel.path("targets")).as(where).isNotEmpty();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("datasource").path("uid").asText()).as(where).isEqualTo(DATASOURCE_UID);
                    String expr = target.path("expr").asText();
                    assertThat(expr).as(where).isNotBlank();
                    Matcher m = VARIABLE.matcher(expr);
                    while (m.find()) {
                        assertThat(variables).as(where + ": variable $" + m.group(1)).contains(m.group(1));
                    }
                }
            }
        }
    }

    /** Every query of every dashboard, with its dashboard and panel. */
    static List<String[]> queries() throws IOException {
        List<String[]> queries = new ArrayList<>();
        for (Map.Entry<Path, JsonNode> d : dashboards().entrySet()) {
            for (JsonNode panel : d.getValue().path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.add(new String[] {d.getValue().path("uid").asText() + " / " + panel.path("title").asText(), target.path("expr").asText()});
                }
            }
        }
        return queries;
    }

    static Map<Path, JsonNode> dashboards() throws IOException {
        Map<Path, JsonNode> dashboards = new TreeMap<>();
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                dashboards.put(file, JSON.readTree(file.toFile()));
            }
        }
        assertThat(dashboards).hasSize(3);
        return dashboards;
    }
}
