package dev.costmeter.testing;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app}) as its own process, for tests that stop, kill or
 * restart it, on a fixed port so that a scraper or a client finds it again after a restart.
 * {@code -Dcostmeter.it.app} runs another build (e.g. one from before a fix).
 */
public final class PackagedService implements AutoCloseable {

    public static final String VIEWER_PASSWORD = "it-viewer";
    public static final String ADMIN_PASSWORD = "it-admin";

    private final int port = RealKafkaBroker.freePort();
    private final Map<String, String> environment;
    private final List<String> options;
    private final String logName;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private int runs;
    private File log;

    /**
     * @param environment e.g. KAFKA_BOOTSTRAP_SERVERS and COSTMETER_DB_URL
     * @param options     JVM options such as {@code -Dcostmeter.kafka.unreachable-grace=PT5S}
     * @param logName     the service's output goes to target/{logName}-run{n}.log
     */
    public PackagedService(Map<String, String> environment, List<String> options, String logName) {
        this.environment = environment;
        this.options = options;
        this.logName = logName;
    }

    public int port() {
        return port;
    }

    /** The running process (for its CPU time), or null when stopped. */
    public ProcessHandle process() {
        return process == null ? null : process.toHandle();
    }

    /** What the current run of the service has logged so far. */
    public String logText() throws java.io.IOException {
        return java.nio.file.Files.readString(log.toPath(), StandardCharsets.UTF_8);
    }

    /** Starts the service and waits until it answers. */
    public PackagedService start() throws Exception {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx512m"));
        command.addAll(options);
        command.addAll(List.of("-jar", System.getProperty("costmeter.it.app", "target/quarkus-app/quarkus-run.jar")));
        log = new File("target/" + logName + "-run" + ++runs + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        builder.environment().putAll(environment);
        builder.environment().put("COSTMETER_VIEWER_PASSWORD", VIEWER_PASSWORD);
        builder.environment().put("COSTMETER_ADMIN_PASSWORD", ADMIN_PASSWORD);
        builder.environment().put("PORT", String.valueOf(port));
        process = builder.start();
        Waiting.until("the service answers on port " + port, Duration.ofSeconds(60), () -> {
            try {
                return get("/q/health/live").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        return this;
    }

    /** Stops the service as an orchestrator would (SIGTERM: it commits what it has read) and waits. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    public HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path, "viewer", VIEWER_PASSWORD).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> postAsAdmin(String path, String json) throws Exception {
        return http.send(request(path, "admin", ADMIN_PASSWORD).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> postAsAdmin(String path, byte[] body) throws Exception {
        return http.send(request(path, "admin", ADMIN_PASSWORD).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String user, String password) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * What a failed wait should tell whoever reads the test report: whether the process runs, what
     * liveness and readiness say, and the service's last log lines (stack frames left out). CI keeps
     * only the report, not target/.
     */
    public String diagnosis() {
        StringBuilder out = new StringBuilder("\n--- the service (").append(log).append(")\n");
        out.append("process: ").append(process == null ? "stopped" : process.isAlive() ? "running" : "exited " + process.exitValue()).append('\n');
        for (String path : List.of("/q/health/live", "/q/health/ready")) {
            try {
                HttpResponse<String> response = get(path);
                out.append(path).append(": ").append(response.statusCode()).append(' ').append(response.body().replaceAll("\\s+", " ")).append('\n');
            } catch (Exception e) {
                out.append(path).append(": ").append(e).append('\n');
            }
        }
        out.append("last log lines:\n");
        try {
            List<String> lines = java.nio.file.Files.readAllLines(log.toPath(), StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).toList();
            lines.subList(Math.max(0, lines.size() - 60), lines.size())
                    .forEach(l -> out.append("  ").append(l.length() > 400 ? l.substring(0, 400) + "…" : l).append('\n'));
        } catch (Exception e) {
            out.append("  (unreadable: ").append(e).append(")\n");
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    public static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /** Polling for a condition with a deadline, for tests that run outside Quarkus. */
    public static final class Waiting {
        private Waiting() {
        }

        public interface Condition {
            boolean holds() throws Exception;
        }

        public static void until(String what, Duration timeout, Condition condition) throws Exception {
            until(what, timeout, condition, () -> "");
        }

        /** As above; {@code diagnosis} is asked only on timeout, and its text ends the failure message. */
        public static void until(String what, Duration timeout, Condition condition, java.util.function.Supplier<String> diagnosis) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (condition.holds()) {
                    return;
                }
                Thread.sleep(250);
            }
            throw new AssertionError("not within " + timeout + ": " + what + diagnosis.get());
        }
    }
}
