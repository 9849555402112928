package dev.costmeter.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.testing.PackagedService;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.RealPrometheus;
import dev.costmeter.tools.SyntheticUsage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.costmeter.testing.PackagedService.Waiting.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The money and count panels of the dashboards show what the ledger holds. A real Prometheus scrapes
 * the packaged service through two waves of traffic with a restart between them and a source that
 * appears for the first time in the second; then every money and count panel's query, taken from the
 * dashboard files, is compared with the spend API or PostgreSQL for the same range. Tolerance: the
 * panels are doubles, so |panel − ledger| ≤ 1e-9 × max(1, |ledger|).
 */
class DashboardValuesIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DB_URL = RealPostgres.derived("dashboards_it");

    RealKafkaBroker.Broker broker;
    PackagedService service;
    RealPrometheus prometheus;
    int published;

    @AfterEach
    void stop() {
        if (prometheus != null) {
            try {
                prometheus.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyMoneyAndCountPanelEqualsTheLedgerAcrossARestartAndANewSource(@TempDir Path dir) throws Exception {
        broker = RealKafkaBroker.startBroker();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("bedrock.usage", 4, (short) 1))).all().get();
        }
        freshDatabase();
        service = new PackagedService(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "COSTMETER_DB_URL", DB_URL),
                List.of("-Dcostmeter.metrics.ledger-refresh-interval=PT1S", "-Dcostmeter.metrics.ledger-day-refresh-interval=PT1S", "-Dcostmeter.budgets.evaluate-interval=PT1S",
                        "-Dcostmeter.interactions.idle-timeout=PT2S", "-Dcostmeter.interactions.check-interval=PT0.5S"),
                "dashboard-values-it").start();
        prometheus = RealPrometheus.scraping(dir, "127.0.0.1", service.port());
        assertThat(service.postAsAdmin("/api/v1/budgets", "{\"name\":\"dashboards it\",\"scope\":{\"source\":\"support-bot\"},"
                + "\"period\":\"month\",\"amountUsd\":\"0.05\"}").statusCode()).isEqualTo(201);

        // Wave 1, then a restart, then wave 2 with a source never seen before
        publishWave(1, List.of());
        until("wave 1 read", Duration.ofSeconds(90), () -> read() >= published);
        Thread.sleep(3000); // scraped before the restart
        assertIngestNeverFailed();
        service.stop();
        service.start();
        String newcomer = "{\"specversion\":\"1.0\",\"id\":\"new-%d\",\"source\":\"newcomer-app\",\"type\":\"bedrock.invocation\","
                + "\"time\":\"" + Instant.now() + "\",\"data\":{\"modelId\":\"anthropic.claude-opus-4-6-v1\",\"usage\":{\"inputTokens\":100000,\"outputTokens\":0}}}";
        publishWave(2, List.of(newcomer.formatted(1), newcomer.formatted(2), newcomer.formatted(3), "not json", "{\"nope\":1}"));
        until("wave 2 read", Duration.ofSeconds(90), () -> read() >= published);
        assertIngestNeverFailed(); // the restarted service's first records too (bad ones go to the DLQ, not through a failure)
        // today's bill so far: one Nova Lite input line; everything else metered today is not billed yet
        String billDay = LocalDate.now(ZoneOffset.UTC) + "T00:00:00Z";
        HttpResponse<String> reconciled = service.postAsAdmin("/api/v1/reconciliations?file=today.csv", ("line_item_usage_start_date,"
                + "line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,"
                + "product_region_code,line_item_line_item_type\n" + billDay + ",AmazonBedrock,USE1-NovaLite-input-tokens,1000,0.00006,USD,"
                + "us-east-1,Usage\n").getBytes(StandardCharsets.UTF_8));
        assertThat(reconciled.statusCode()).as(reconciled.body()).isEqualTo(201);
        Thread.sleep(6000); // the gauges refresh (1 s), interactions go idle (2 s) and are observed, Prometheus scrapes (1 s)

        Instant now = Instant.now();
        JsonNode hour = spend(now.minus(Duration.ofHours(1)), now, "source,model,dimension,tier");
        JsonNode day = spend(now.minus(Duration.ofDays(1)), now, "source");
        Map<String, Map<String, String>> panels = panelQueries();
        Map<String, BigDecimal> byModel = sum(hour, "model");
        assertThat(byModel).isNotEmpty();

        assertPanel(panels.get("costmeter-spend").get("Spend rate, last hour ($/h)"), null, Map.of("", total(hour)));
        assertPanel(panels.get("costmeter-spend").get("Spend by model, last hour"), "model", byModel);
        assertPanel(panels.get("costmeter-spend").get("Spend by billing dimension, last hour"), "dimension", sum(hour, "dimension"));
        Map<String, BigDecimal> tiers = sum(hour, "tier");
        tiers.remove("");
        assertPanel(panels.get("costmeter-spend").get("Service tier mix, last hour"), "tier", tiers);
        Map<String, BigDecimal> topSources = top(sum(day, "source"), 10);
        assertThat(topSources).containsKey("newcomer-app"); // 3 × 100,000 × $15/1M = $4.50: among the ten dearest applications
        assertPanel(panels.get("costmeter-spend").get("Top spenders, last 24 h"), "source", topSources);
        Map<String, BigDecimal> dimensions = sum(hour, "dimension");
        BigDecimal savings = dimensions.getOrDefault("cache_read_input_tokens", BigDecimal.ZERO).multiply(BigDecimal.valueOf(9))
                .subtract(dimensions.getOrDefault("cache_write_5m_input_tokens", BigDecimal.ZERO).multiply(new BigDecimal("0.2")))
                .subtract(dimensions.getOrDefault("cache_write_1h_input_tokens", BigDecimal.ZERO).multiply(new BigDecimal("0.5")));
        assertPanel(panels.get("costmeter-spend").get("Cache savings, last hour"), null, Map.of("", savings));
        Instant today = LocalDate.ofInstant(now, ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant month = LocalDate.ofInstant(now, ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        assertPanel(panels.get("costmeter-spend").get("Spend today (UTC)"), null, Map.of("", total(spend(today, now.plusSeconds(60), null))));
        assertPanel(panels.get("costmeter-spend").get("Spend this month"), null, Map.of("", total(spend(month, now.plusSeconds(60), null))));

        JsonNode reconciliation = JSON.readTree(reconciled.body()).get("summary");
        assertThat(new BigDecimal(reconciliation.get("meteredCostUsd").asText())).isPositive();
        assertPanel(panels.get("costmeter-spend").get("Metered vs billed, last reconciliation"), "side",
                Map.of("billed", new BigDecimal(reconciliation.get("billedCostUsd").asText()),
                        "metered", new BigDecimal(reconciliation.get("meteredCostUsd").asText())));
        Map<String, BigDecimal> byClassification = new TreeMap<>();
        reconciliation.get("byClassification").fields().forEachRemaining(c -> byClassification.put(c.getKey().toLowerCase(java.util.Locale.ROOT),
                new BigDecimal(c.getValue().get("costDifference").asText())));
        assertThat(byClassification.get("not_billed_yet")).isNegative();
        assertPanel(panels.get("costmeter-spend").get("Billed minus metered by classification, last reconciliation"), "classification",
                byClassification);

        Map<String, BigDecimal> outcomes = new TreeMap<>();
        sql("select outcome, events from event_outcome_total where outcome in ('invalid', 'conflict', 'unpriced')")
                .forEach((outcome, n) -> outcomes.put(outcome, new BigDecimal(n)));
        outcomes.putIfAbsent("conflict", BigDecimal.ZERO);
        outcomes.putIfAbsent("unpriced", BigDecimal.ZERO);
        assertThat(outcomes.get("invalid")).isEqualByComparingTo("2");
        assertPanel(panels.get("costmeter-pipeline").get("DLQ, conflicting and unpriced records, last hour"), "outcome", outcomes);
        assertPanel(panels.get("costmeter-pipeline").get("Failed commits, last hour"), null, Map.of("", BigDecimal.ZERO));

        Map<String, BigDecimal> alerts = new TreeMap<>();
        sql("select threshold, count(*) from budget_alert group by threshold").forEach((t, n) -> alerts.put(t, new BigDecimal(n)));
        assertThat(alerts).containsKeys("50", "80", "100");
        assertPanel(panels.get("costmeter-budgets").get("Threshold alerts published, last 24 h"), "threshold", alerts);
        JsonNode status = JSON.readTree(service.get("/api/v1/budgets").body()).get(0);
        JsonNode figures = JSON.readTree(service.get("/api/v1/budgets/" + status.get("id").asText() + "/status").body());
        assertPanel(panels.get("costmeter-budgets").get("Spent vs amount"), "budget",
                Map.of("dashboards it", new BigDecimal(figures.get("spentUsd").asText())));

        assertPanel(panels.get("costmeter-budgets").get("Remaining this period"), "budget",
                Map.of("dashboards it", new BigDecimal(figures.get("remainingUsd").asText())));
        assertPanel(panels.get("costmeter-spend").get("Top models, last 24 h"), "model",
                top(sum(spend(now.minus(Duration.ofDays(1)), now, "model"), "model"), 10));
        // 41 tenants: the 20 dearest by name, the rest as "other" (the newcomer names none: "(none)"); the panel shows the top 20
        Map<String, BigDecimal> tenants = new TreeMap<>();
        List<Map.Entry<String, BigDecimal>> dearestFirst = sum(spend(now.minus(Duration.ofDays(1)), now, "subject"), "subject").entrySet().stream()
                .sorted(Map.Entry.<String, BigDecimal>comparingByValue().reversed()).toList();
        for (Map.Entry<String, BigDecimal> t : dearestFirst) {
            String name = t.getKey().isEmpty() ? "(none)" : t.getKey();
            tenants.merge(tenants.size() < 20 ? name : "other", t.getValue(), BigDecimal::add);
        }
        assertThat(tenants).containsKey("other");
        assertPanel(panels.get("costmeter-spend").get("Spend by tenant, last 24 h"), "subject", top(tenants, 20));
        Map<String, BigDecimal> perThousandTokens = new TreeMap<>();
        Map<String, BigDecimal[]> tokenSums = new TreeMap<>();
        for (JsonNode g : hour.get("groups")) {
            String dimension = g.get("dimension").asText();
            if (dimension.endsWith("input_tokens") || dimension.equals("output_tokens")) {
                BigDecimal[] sums = tokenSums.computeIfAbsent(g.get("model").asText(), m -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                sums[0] = sums[0].add(new BigDecimal(g.get("costUsd").asText()));
                sums[1] = sums[1].add(new BigDecimal(g.get("quantity").asText()));
            }
        }
        tokenSums.forEach((model, sums) -> perThousandTokens.put(model,
                sums[0].multiply(BigDecimal.valueOf(1000)).divide(sums[1], java.math.MathContext.DECIMAL64)));
        assertPanel(panels.get("costmeter-spend").get("Cost per 1K tokens by model, last hour"), "model", perThousandTokens);

        // The cost per interaction resolves below a dollar: the panel's p90 lies in the bucket of the API's p90 (or next to it)
        JsonNode interactions = JSON.readTree(service.get("/api/v1/interactions?source=onboarding-agent&from="
                + now.minus(Duration.ofHours(1)) + "&to=" + now.plusSeconds(60)).body());
        assertThat(interactions.get("interactions").asLong()).isPositive();
        String costP90 = panels.get("costmeter-spend").get("Cost per agent interaction (p90, $)");
        for (String quantile : List.of("p50", "p90")) {
            double fromApi = Double.parseDouble(interactions.get("costUsdPerInteraction").get(quantile).asText());
            Map<String, Double> onPanel = query(quantile.equals("p90") ? costP90 : costP90.replace("histogram_quantile(0.9,", "histogram_quantile(0.5,"), "source");
            assertThat(onPanel).containsKey("onboarding-agent");
            double[] buckets = SpendMetrics.INTERACTION_COST_BUCKETS_MICRO_USD;
            assertThat(Math.abs(bucketOf(onPanel.get("onboarding-agent") * 1e6, buckets) - bucketOf(fromApi * 1e6, buckets)))
                    .as("%s on the panel $%s, from the API $%s", quantile, onPanel.get("onboarding-agent"), fromApi).isLessThanOrEqualTo(1);
            assertThat(fromApi).isLessThan(1.0);
        }
        // model calls per interaction, p50 and p90 (the panel's two queries), against the API over every source
        JsonNode allInteractions = JSON.readTree(service.get("/api/v1/interactions?from=" + now.minus(Duration.ofHours(1))
                + "&to=" + now.plusSeconds(60)).body());
        String callsP50 = panels.get("costmeter-spend").get("Agent model calls per interaction (p50, p90)");
        double[] callBuckets = {1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50};
        for (String quantile : List.of("p50", "p90")) {
            double fromApi = allInteractions.get("modelCallsPerInteraction").get(quantile).asDouble();
            double onPanel = query(quantile.equals("p50") ? callsP50 : callsP50.replace("histogram_quantile(0.5,", "histogram_quantile(0.9,"), null).get("");
            assertThat(bucketOf(onPanel, callBuckets)).as("model calls %s: panel %s, API %s", quantile, onPanel, fromApi)
                    .isEqualTo(bucketOf(fromApi, callBuckets));
        }
    }

    /**
     * Nothing went wrong here, so the ingest loop never took its failure path: a failure it recovers
     * from (re-reading after a backoff) still turns readiness DOWN and must not happen in a clean run.
     * (Every start once failed on its first record: the first batch was made before the field it reads.)
     */
    void assertIngestNeverFailed() throws Exception {
        assertThat(service.logText()).doesNotContain("ingest iteration failed").doesNotContain("commits are failing");
    }

    void publishWave(int wave, List<String> extra) throws Exception {
        SyntheticUsage usage = new SyntheticUsage(wave + 20, "wave" + wave, Instant.now().minusSeconds(20), 1_000_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(dev.costmeter.testing.TestKafka.producerSettings(
                broker.bootstrapServers(), 5), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 2000; i++) {
                producer.send(new ProducerRecord<>("bedrock.usage", usage.event(i).getBytes(StandardCharsets.UTF_8)));
            }
            for (String record : extra) {
                producer.send(new ProducerRecord<>("bedrock.usage", record.getBytes(StandardCharsets.UTF_8)));
            }
        }
        published += 2000 + extra.size();
    }

    /** Evaluates a panel's query now and compares it, series by series, with what the ledger says. */
    void assertPanel(String expr, String label, Map<String, BigDecimal> expected) throws Exception {
        assertThat(expr).as("panel query").isNotNull();
        Map<String, Double> actual = query(expr, label);
        if (label != null) {
            expected = new TreeMap<>(expected);
            expected.values().removeIf(v -> v.signum() == 0 && !actual.containsKey(""));
            Map<String, BigDecimal> e = expected;
            actual.entrySet().removeIf(a -> a.getValue() == 0.0 && !e.containsKey(a.getKey()));
        }
        assertThat(actual.keySet()).as(expr).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, BigDecimal> e : expected.entrySet()) {
            double ledger = e.getValue().doubleValue();
            assertThat(actual.get(e.getKey())).as("%s [%s]: ledger %s", expr, e.getKey(), e.getValue().toPlainString())
                    .isCloseTo(ledger, org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(ledger))));
        }
    }

    Map<String, Double> query(String expr, String label) throws Exception {
        String q = expr.replace("$source", ".*").replace("$budget", ".*");
        JsonNode response = prometheus.query(q);
        assertThat(response.path("status").asText()).as(q + " → " + response).isEqualTo("success");
        Map<String, Double> values = new TreeMap<>();
        for (JsonNode series : response.path("data").path("result")) {
            values.put(label == null ? "" : series.path("metric").path(label).asText(), Double.parseDouble(series.path("value").get(1).asText()));
        }
        return values;
    }

    /** Panel title → query, per dashboard uid (a panel's first query). */
    static Map<String, Map<String, String>> panelQueries() throws Exception {
        Map<String, Map<String, String>> panels = new HashMap<>();
        for (File f : new File("grafana/dashboards").listFiles((d, n) -> n.endsWith(".json"))) {
            JsonNode dashboard = JSON.readTree(f);
            Map<String, String> byTitle = new HashMap<>();
            for (JsonNode panel : dashboard.path("panels")) {
                byTitle.put(panel.path("title").asText(), panel.path("targets").get(0).path("expr").asText());
            }
            panels.put(dashboard.path("uid").asText(), byTitle);
        }
        return panels;
    }

    JsonNode spend(Instant from, Instant to, String groupBy) throws Exception {
        HttpResponse<String> response = service.get("/api/v1/spend?from=" + from + "&to=" + to + (groupBy == null ? "" : "&groupBy=" + groupBy));
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    static BigDecimal total(JsonNode spend) {
        return new BigDecimal(spend.get("totalCostUsd").asText());
    }

    static Map<String, BigDecimal> sum(JsonNode spend, String field) {
        Map<String, BigDecimal> sums = new TreeMap<>();
        for (JsonNode group : spend.get("groups")) {
            sums.merge(group.get(field).asText(), new BigDecimal(group.get("costUsd").asText()), BigDecimal::add);
        }
        return sums;
    }

    static Map<String, BigDecimal> top(Map<String, BigDecimal> sums, int n) {
        Map<String, BigDecimal> top = new TreeMap<>();
        sums.entrySet().stream().sorted(Map.Entry.<String, BigDecimal>comparingByValue().reversed()).limit(n)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        return top;
    }

    static int bucketOf(double value, double[] bounds) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                return i;
            }
        }
        return bounds.length;
    }

    long read() throws Exception {
        return sql("select outcome, events from event_outcome_total where outcome <> 'priced_without_usage'").values().stream()
                .mapToLong(Long::longValue).sum();
    }

    Map<String, Long> sql(String query) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(DB_URL, RealPostgres.user(), ""); Statement s = c.createStatement()) {
            if (!CrashRecoveryIT.tableExists(s)) {
                return rows;
            }
            try (ResultSet rs = s.executeQuery(query)) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return rows;
    }

    void freshDatabase() throws Exception {
        RealPostgres.ensureDatabase(DB_URL);
        try (Connection c = DriverManager.getConnection(DB_URL, RealPostgres.user(), ""); Statement s = c.createStatement()) {
            s.execute("drop schema public cascade");
            s.execute("create schema public");
        }
    }
}
