package dev.costmeter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's Prometheus (which .ci/run installs) scraping the service every second and evaluating
 * deploy/prometheus's rules with their {@code for:} durations set to 0 s, so that an alert fires
 * within a test ({@code PrometheusRulesTest} tests the rules as written).
 */
public final class RealPrometheus implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final String api;
    private final HttpClient http = HttpClient.newHttpClient();

    private RealPrometheus(Process process, String api) {
        this.process = process;
        this.api = api;
    }

    /** Starts Prometheus with its files and data in {@code dir}, scraping {@code host:port}/q/metrics, and waits until it is ready. */
    public static RealPrometheus scraping(Path dir, String host, int port) throws Exception {
        int listen = RealKafkaBroker.freePort();
        Files.writeString(dir.resolve("rules.yml"), Files.readString(Path.of("deploy/prometheus/costmeter-rules.yml"))
                .replaceAll("for: \\d+m", "for: 0s"));
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: [rules.yml]
                scrape_configs:
                  - job_name: costmeter
                    metrics_path: /q/metrics
                    static_configs: [{targets: ["%s:%d"]}]
                """.formatted(host, port));
        Process process;
        try {
            process = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + listen)
                    .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "prometheus.log")).start();
        } catch (IOException e) {
            throw new AssertionError("prometheus is not installed: apt-get install --no-install-recommends prometheus", e);
        }
        RealPrometheus prometheus = new RealPrometheus(process, "http://127.0.0.1:" + listen);
        PackagedService.Waiting.until("Prometheus ready", Duration.ofSeconds(30), () -> {
            try {
                return prometheus.get("/-/ready").contains("Ready");
            } catch (Exception e) {
                return false;
            }
        });
        return prometheus;
    }

    /** An instant query, evaluated now: Prometheus' whole JSON answer. */
    public JsonNode query(String expr) throws Exception {
        return JSON.readTree(get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)));
    }

    /** The alerts Prometheus holds now (pending and firing). */
    public JsonNode alerts() throws Exception {
        return JSON.readTree(get("/api/v1/alerts")).path("data").path("alerts");
    }

    private String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api + path)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
