package dev.costmeter.bench;

import dev.costmeter.config.CostmeterConfig.PricedPayload;
import dev.costmeter.decoding.Attribution;
import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.decoding.UsageRecordDecoder;
import dev.costmeter.metering.RecordPricing;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardLoader;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.publish.PricedEventWriter;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.tools.SyntheticUsage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark (run by {@code bench/run}): loads N realistic usage events into a local
 * Kafka broker, measures Kafka's own ConsumerPerformance on that topic, then runs the packaged
 * service (heap capped at 512 MB) against it and measures how fast records become durable in
 * PostgreSQL with their offsets (dedup and exactly-once on). Prints one report.
 */
public final class EndToEndBenchmark {

    static final String TOPIC = "bedrock.usage";
    static final String PRICED_TOPIC = "bedrock.usage.priced";
    /** The warm-up's first event time; events are {@value #NANOS_BETWEEN_EVENTS} ns of event time apart (100,000 a second). */
    static final Instant FIRST_EVENT_TIME = Instant.parse("2026-03-01T00:00:00Z");
    static final long NANOS_BETWEEN_EVENTS = 10_000;

    /** BENCH_FORMAT=invocation-log: the records are Bedrock model invocation logs instead of costmeter's envelope. */
    static final boolean INVOCATION_LOGS = "invocation-log".equals(System.getenv("BENCH_FORMAT"));
    /** BENCH_PRICED=on|off|both (default both): which service runs to measure. */
    static final String PRICED = System.getenv().getOrDefault("BENCH_PRICED", "both");
    /**
     * BENCH_WARMUP=N: events loaded before the measured ones (ids {@code warm-i}, the same calls as
     * {@code bench-i}), so that the steady figures leave out the service's start: its JIT compiler took
     * a quarter of its CPU in the first 2 million events (bench/README.md, 2026-12-01 afternoon).
     * Default: as many as the measured events; 0 measures from the first commit only, as before.
     */
    static final String WARMUP = System.getenv("BENCH_WARMUP");
    /**
     * BENCH_ROUNDS=N (default 1): measure N times on the same loaded topic, each round Kafka's
     * ConsumerPerformance and then the service run(s) right after it, and report every round's ratio
     * and their median. This machine has slow phases that slow everything by a third for a minute or
     * two; a ratio whose two halves were measured in different phases is 0.15 or 0.22 on the same
     * build (bench/README.md, 2026-12-02, night). Each round's ratio divides by its own round's
     * ConsumerPerformance, measured minutes apart at most.
     */
    static final int ROUNDS = rounds(System.getenv("BENCH_ROUNDS"));

    static int rounds(String setting) {
        if (setting == null || setting.isBlank()) {
            return 1;
        }
        int rounds = Integer.parseInt(setting.strip());
        if (rounds < 1) {
            throw new IllegalArgumentException("BENCH_ROUNDS must be at least 1, was " + setting);
        }
        return rounds;
    }

    /** What one service run measured: from its first commit, and over the measured events after the warm-up. */
    record Rates(double sustained, double steady) {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.atInfo();
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int warmup = WARMUP == null || WARMUP.isBlank() ? events : Integer.parseInt(WARMUP.strip());
        String classpath = System.getProperty("java.class.path");
        List<String> report = new ArrayList<>();
        report.add(String.format("events: %,d (%s)  machine: %d cores, %s", events, INVOCATION_LOGS ? "model invocation logs" : "CloudEvents",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.arch")));

        RealKafkaBroker.Broker broker = RealKafkaBroker.startBroker();
        try {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get();
            }
            if (warmup > 0) {
                load(bootstrap, "warm", FIRST_EVENT_TIME, warmup);
                report.add(String.format("warm-up: %,d events before the measured ones (the same calls, ids warm-i; BENCH_WARMUP), event times from %s;"
                        + " the measured ones from %s", warmup, FIRST_EVENT_TIME, measuredFrom(warmup)));
            }
            long loadStart = System.nanoTime();
            long bytes = load(bootstrap, "bench", measuredFrom(warmup), events);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            report.add(String.format("load: %,d events (%,.0f bytes avg) in %.1f s = %,.0f events/s", events,
                    (double) bytes / events, loadSeconds, events / loadSeconds));

            report.add(pricedRecordSizes(Math.min(events, 100_000)));
            boolean[] modes = switch (PRICED) {
                case "on" -> new boolean[] {true};
                case "off" -> new boolean[] {false};
                default -> new boolean[] {true, false};
            };
            Map<Boolean, List<Double>> ratios = Map.of(true, new ArrayList<>(), false, new ArrayList<>()); // by publishPriced
            for (int round = 1; round <= ROUNDS; round++) {
                if (ROUNDS > 1) {
                    report.add(String.format("round %d of %d (BENCH_ROUNDS)", round, ROUNDS));
                }
                String raw = consumerPerformance(classpath, bootstrap, warmup + events);
                report.add("kafka ConsumerPerformance: " + raw);
                double rawRate = Double.parseDouble(raw.replaceAll("^.*?nMsg.sec=([0-9.]+).*$", "$1"));
                for (boolean publishPriced : modes) {
                    long pricedBytesBefore = publishPriced ? pricedTopicBytes(bootstrap) : 0;
                    Rates rates = runService(bootstrap, warmup, events, publishPriced, report);
                    if (publishPriced) {
                        report.add(pricedTopicOnBroker(pricedTopicBytes(bootstrap) - pricedBytesBefore, warmup + events));
                    }
                    double ratio = (warmup > 0 ? rates.steady() : rates.sustained()) / rawRate;
                    ratios.get(publishPriced).add(ratio);
                    report.add(warmup > 0
                            ? String.format("  ratio to ConsumerPerformance: %.2f steady (%.2f from the first commit)", ratio,
                                    rates.sustained() / rawRate)
                            : String.format("  ratio to ConsumerPerformance: %.2f", ratio));
                }
            }
            if (ROUNDS > 1) {
                for (boolean publishPriced : modes) {
                    report.add(String.format("priced topic %s, ratio to ConsumerPerformance over %d rounds: median %s",
                            publishPriced ? "on" : "off", ROUNDS, medianAndRange(ratios.get(publishPriced))));
                }
            }
        } finally {
            broker.close();
        }
        System.out.println("\n==== costmeter end-to-end benchmark ====");
        report.forEach(System.out::println);
    }

    static long load(String bootstrap, int events) {
        return load(bootstrap, "bench", FIRST_EVENT_TIME, events);
    }

    /**
     * When the measured events begin: the first whole minute after the warm-up's last event, as in a
     * live stream, where the events read later happened later. (Until 2026-12-02 both loads began at
     * the same instant, so the measured events' times fell among the warm-up's: no difference to a key
     * without time in it, but it kept any key or bucket that has time in it from its right edge.)
     */
    static Instant measuredFrom(int warmup) {
        if (warmup == 0) {
            return FIRST_EVENT_TIME;
        }
        long minutes = (warmup * NANOS_BETWEEN_EVENTS - 1) / 60_000_000_000L + 1;
        return FIRST_EVENT_TIME.plusSeconds(60 * minutes);
    }

    /** Events 0 … events − 1 of the synthetic usage, with ids {@code runId-i}, the first at {@code firstEventTime}. */
    static long load(String bootstrap, String runId, Instant firstEventTime, int events) {
        SyntheticUsage usage = new SyntheticUsage(1, runId, firstEventTime, NANOS_BETWEEN_EVENTS);
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 131072),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                byte[] value = (INVOCATION_LOGS ? usage.invocationLog(i) : usage.event(i)).getBytes(StandardCharsets.UTF_8);
                bytes += value.length;
                producer.send(new ProducerRecord<>(TOPIC, usage.id(i).getBytes(StandardCharsets.UTF_8), value));
            }
        }
        return bytes;
    }

    /**
     * The average size of a priced record in each {@code costmeter.outputs.priced-payload}, over the
     * first {@code sample} events of the load, priced by the production decoder and pricer.
     */
    static String pricedRecordSizes(int sample) throws Exception {
        RateCardTimeline timeline = new RateCardTimeline(List.of(RateCardLoader.parse(new String(
                EndToEndBenchmark.class.getClassLoader().getResourceAsStream("ratecards/2026-02.yaml").readAllBytes(), StandardCharsets.UTF_8))));
        CloudEventDecoder.Limits limits = new CloudEventDecoder.Limits(1 << 20, 1_000_000_000_000L, Duration.ofDays(36_500));
        RecordPricing pricing = new RecordPricing(new UsageRecordDecoder(new CloudEventDecoder(limits, Clock.systemUTC()), limits, Attribution.defaults()));
        SyntheticUsage usage = new SyntheticUsage(1, "bench", FIRST_EVENT_TIME, NANOS_BETWEEN_EVENTS);
        StringBuilder out = new StringBuilder("priced record, average bytes:");
        for (PricedPayload payload : PricedPayload.values()) {
            PricedEventWriter writer = new PricedEventWriter(payload);
            long bytes = 0;
            long priced = 0;
            for (int i = 0; i < sample; i++) {
                RecordPricing.Outcome outcome = pricing.price(usage.event(i).getBytes(StandardCharsets.UTF_8), timeline);
                if (outcome.result() instanceof PricingResult.Priced p) {
                    bytes += writer.write(p.pricedEvent(), outcome.selfContained(), TOPIC, 3, 1_234_567).length;
                    priced++;
                }
            }
            out.append(String.format(" %s %,.0f;", payload.name().toLowerCase(java.util.Locale.ROOT), (double) bytes / priced));
        }
        return out.substring(0, out.length() - 1) + " (the usage event: see load)";
    }

    /**
     * BENCH_SERVICE_ENV: settings for the service under test, as space-separated NAME=VALUE pairs,
     * e.g. {@code COSTMETER_OUTPUTS_COMPRESSION=lz4 COSTMETER_OUTPUTS_PRICED_PAYLOAD=full}.
     */
    static Map<String, String> serviceEnvironment() {
        Map<String, String> env = new java.util.HashMap<>();
        for (String pair : System.getenv().getOrDefault("BENCH_SERVICE_ENV", "").split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                env.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env;
    }

    /**
     * The service's JVM options: those {@code ./costmeter serve} and the image use (the throughput
     * collector, 512 MB), then BENCH_SERVICE_JAVA_OPTS (e.g. a JFR recording or a GC log; {@code {mode}}
     * becomes the run's name).
     */
    static List<String> serviceJavaOptions(String mode) {
        List<String> options = new ArrayList<>(List.of("-Xmx512m", "-XX:+UseParallelGC"));
        String extra = System.getenv("BENCH_SERVICE_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.strip().replace("{mode}", mode).split("\\s+")));
        }
        return options;
    }

    /** Kafka's own consumer, no deserialization: the ceiling for reading this topic on this machine. */
    static String consumerPerformance(String classpath, String bootstrap, int events) throws Exception {
        Process p = new ProcessBuilder(java(), "-Xmx512m", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", classpath,
                BenchLogging.class.getName(), "org.apache.kafka.tools.ConsumerPerformance",
                "--bootstrap-server", bootstrap, "--topic", TOPIC, "--messages", String.valueOf(events),
                "--group", "bench-raw-" + System.nanoTime(), "--timeout", "60000")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String headerLine = out.lines().filter(l -> l.startsWith("start.time")).findFirst().orElse("");
        String valuesLine = out.lines().filter(l -> l.matches("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d+, .*")).reduce((a, b) -> b).orElse("");
        String[] header = headerLine.split(",\\s*");
        String[] values = valuesLine.split(",\\s*");
        StringBuilder summary = new StringBuilder();
        for (int i = 0; i < header.length; i++) {
            if (header[i].contains("nMsg.sec") || header[i].contains("MB.sec") || header[i].contains("nMsg")) {
                summary.append(header[i].strip()).append('=').append(values[i].strip()).append(' ');
            }
        }
        if (summary.isEmpty()) {
            throw new IllegalStateException("cannot read ConsumerPerformance's result:\n" + out);
        }
        return summary.toString().strip();
    }

    static Rates runService(String bootstrap, int warmup, int measured, boolean publishPriced, List<String> report) throws Exception {
        int events = warmup + measured;
        String dbUrl = RealPostgres.freshEmpty("bench");
        File log = new File("target/bench-service-" + (publishPriced ? "priced-on" : "priced-off") + ".log");
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(serviceJavaOptions(publishPriced ? "on" : "off"));
        command.addAll(List.of("-jar", "target/quarkus-app/quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        builder.environment().put("COSTMETER_DB_URL", dbUrl);
        int port = RealKafkaBroker.freePort(); // below the ephemeral range: see freePort
        builder.environment().put("PORT", String.valueOf(port));
        builder.environment().put("COSTMETER_INGEST_CONSUMER_GROUP", "bench-" + System.nanoTime());
        builder.environment().put("COSTMETER_INGEST_PUBLISH_PRICED_EVENTS", String.valueOf(publishPriced));
        builder.environment().putAll(serviceEnvironment());
        long started = System.nanoTime();
        Process service = builder.start();
        long dbCpuStart = ProcessCpu.postgres();
        long selfCpuStart = ProcessCpu.self();
        try (Connection c = awaitSchema(dbUrl)) {
            long firstSeenAt = 0;
            long firstSeenRead = 0;
            long[] cpuAtFirstCommit = null; // service, PostgreSQL, broker and benchmark: the sustained part's CPU starts here
            // the same, from the first commit after the warm-up events (the first commit when there are none)
            long steadyFrom = 0;
            long steadyFromRead = 0;
            long[] cpuAtSteady = null;
            Map<String, Long> threadCpuAtSteady = null;
            Map<String, Long> threadWaitsAtSteady = null;
            Map<String, Long> selfThreadCpuAtSteady = null;
            long walAtSteady = 0;
            FlushMetrics stepsAtSteady = FlushMetrics.NONE;
            long read = 0;
            while (read < events) {
                if (!service.isAlive()) {
                    throw new IllegalStateException("service exited; see " + log + "\n" + Files.readString(log.toPath()));
                }
                read = read(c);
                if (firstSeenAt == 0 && read > 0) {
                    firstSeenAt = System.nanoTime();
                    firstSeenRead = read;
                    cpuAtFirstCommit = new long[] {ProcessCpu.of(service.pid()), ProcessCpu.postgres(), ProcessCpu.self()};
                }
                if (steadyFrom == 0 && read > 0 && read >= warmup) {
                    steadyFrom = System.nanoTime();
                    steadyFromRead = read;
                    cpuAtSteady = new long[] {ProcessCpu.of(service.pid()), ProcessCpu.postgres(), ProcessCpu.self()};
                    threadCpuAtSteady = ProcessCpu.threads(service.pid());
                    threadWaitsAtSteady = ProcessCpu.runQueueWaits(service.pid());
                    selfThreadCpuAtSteady = ProcessCpu.threads(ProcessHandle.current().pid());
                    walAtSteady = walBytes(c);
                    stepsAtSteady = flushSteps(port);
                }
                Thread.sleep(20);
            }
            long end = System.nanoTime();
            double wall = (end - started) / 1e9;
            Map<String, Long> threadCpu = ProcessCpu.threads(service.pid());
            Map<String, Long> threadWaits = ProcessCpu.runQueueWaits(service.pid());
            Map<String, Long> selfThreadCpu = ProcessCpu.threads(ProcessHandle.current().pid());
            long wal = walBytes(c);
            FlushMetrics steps = flushStepsOnceCounted(port, events);
            long serviceCpu = ProcessCpu.of(service.pid()), databaseCpu = ProcessCpu.postgres(), selfCpu = ProcessCpu.self();
            String cpu = String.format("  CPU from start to last commit (%.1f s): service %.0f%% of one core, PostgreSQL %.0f%%, broker and benchmark %.0f%%"
                    + " (the machine has %d cores)", wall, 100 * serviceCpu / 1e9 / wall, 100 * (databaseCpu - dbCpuStart) / 1e9 / wall,
                    100 * (selfCpu - selfCpuStart) / 1e9 / wall, Runtime.getRuntime().availableProcessors());
            // CPU per event over the sustained part (first commit to last) moves less from run to run than events/s,
            // which also depends on what else the machine's two cores were doing.
            long sustainedEvents = read - firstSeenRead;
            String cpuPerEvent = String.format("  CPU per event, first commit → last commit: service %.1f µs, PostgreSQL %.1f µs, broker and benchmark %.1f µs",
                    (serviceCpu - cpuAtFirstCommit[0]) / 1e3 / sustainedEvents, (databaseCpu - cpuAtFirstCommit[1]) / 1e3 / sustainedEvents,
                    (selfCpu - cpuAtFirstCommit[2]) / 1e3 / sustainedEvents);
            double sustained = (read - firstSeenRead) / ((end - firstSeenAt) / 1e9);
            double overall = read / ((end - started) / 1e9);
            report.add(String.format("costmeter (priced topic %s, heap 512 MB): %,d records durable in PostgreSQL; sustained %,.0f events/s "
                    + "(first commit → last commit %.1f s); %,.0f events/s including JVM start", publishPriced ? "on" : "off",
                    read, sustained, (end - firstSeenAt) / 1e9, overall));
            report.add(cpu);
            report.add(cpuPerEvent);
            long steadyEvents = read - steadyFromRead;
            if (steadyEvents == 0) { // the warm-up and the measured events all came in one commit: too few to tell apart
                throw new IllegalStateException("no commit after the " + warmup + " warm-up events' and before the last: "
                        + "measure more events (or BENCH_WARMUP=0)");
            }
            double steadySeconds = (end - steadyFrom) / 1e9;
            double steady = steadyEvents / steadySeconds;
            String window = warmup > 0 ? "steady part" : "first commit → last commit";
            if (warmup > 0) {
                report.add(String.format("  steady: %,.0f events/s over the last %,d events (%.1f s, from the first commit after the warm-up)",
                        steady, steadyEvents, steadySeconds));
                report.add(String.format("  CPU per event, steady part: service %.1f µs, PostgreSQL %.1f µs, broker and benchmark %.1f µs",
                        (serviceCpu - cpuAtSteady[0]) / 1e3 / steadyEvents, (databaseCpu - cpuAtSteady[1]) / 1e3 / steadyEvents,
                        (selfCpu - cpuAtSteady[2]) / 1e3 / steadyEvents));
            }
            report.add(threadCpuPerEvent("service CPU per event by thread, " + window, threadCpuAtSteady, threadCpu, steadyEvents, steadySeconds));
            report.add(threadCpuPerEvent("broker and benchmark CPU per event by thread, " + window, selfThreadCpuAtSteady, selfThreadCpu,
                    steadyEvents, steadySeconds));
            report.add(runQueueWaits(window, threadWaitsAtSteady, threadWaits, steadySeconds));
            report.add(String.format("  PostgreSQL WAL, %s: %,.0f bytes per event (the whole server's)", window,
                    (double) (wal - walAtSteady) / steadyEvents));
            report.add(flushStepsPerEvent(window, stepsAtSteady, steps));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "select (select sum(events) from event_outcome_total where outcome = 'priced'), (select sum(cost_usd) from spend_aggregate)")) {
                rs.next();
                report.add(String.format("  priced %,d events, total $%s", rs.getLong(1), rs.getBigDecimal(2).stripTrailingZeros().toPlainString()));
            }
            report.add(dedupStorage(c));
            return new Rates(sustained, steady);
        } finally {
            service.destroy();
            service.waitFor();
        }
    }

    /**
     * What the service's {@code /q/metrics} says of its flushes in one scrape: the commit thread's wall
     * time in each step ({@code costmeter_flush_step_duration_seconds_sum} by step, most of it waiting
     * for PostgreSQL) and the records its batches counted ({@code costmeter_events_total}, every
     * outcome), which a flush records together.
     */
    record FlushMetrics(Map<String, Double> stepSeconds, double records) {
        /** The service did not answer. */
        static final FlushMetrics NONE = new FlushMetrics(Map.of(), 0);
    }

    /** One scrape of {@link FlushMetrics}; {@link FlushMetrics#NONE} when the service does not answer (the line then says so). */
    static FlushMetrics flushSteps(int port) {
        Map<String, Double> steps = new TreeMap<>();
        double[] records = {0};
        try {
            HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            response.body().forEach(line -> {
                Matcher step = FLUSH_STEP_SUM.matcher(line);
                Matcher events = EVENTS_TOTAL.matcher(line);
                if (step.matches()) {
                    steps.merge(step.group(1), Double.parseDouble(step.group(2)), Double::sum);
                } else if (events.matches()) {
                    records[0] += Double.parseDouble(events.group(1));
                }
            });
        } catch (IOException e) {
            return FlushMetrics.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FlushMetrics.NONE;
        }
        return steps.isEmpty() ? FlushMetrics.NONE : new FlushMetrics(steps, records[0]);
    }

    /**
     * {@link #flushSteps} once the service's metrics count all {@code records} (its last flush records
     * its metrics just after the commit the benchmark sees), or as they are after 5 s.
     */
    static FlushMetrics flushStepsOnceCounted(int port, long records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        FlushMetrics steps = flushSteps(port);
        while (steps.records() < records && System.nanoTime() < deadline) {
            Thread.sleep(50);
            steps = flushSteps(port);
        }
        return steps;
    }

    private static final Pattern FLUSH_STEP_SUM = Pattern.compile("^costmeter_flush_step_duration_seconds_sum\\{.*step=\"([a-z]+)\".*} (\\S+)$");
    private static final Pattern EVENTS_TOTAL = Pattern.compile("^costmeter_events_total\\{.*} (\\S+)$");

    /**
     * The commit thread's wall time per event in each step of a flush over the window, per record the
     * same two scrapes counted: a flush's steps and its records are recorded together, so a scrape that
     * comes before or after a commit's metrics still divides like by like.
     */
    static String flushStepsPerEvent(String window, FlushMetrics before, FlushMetrics after) {
        if (before.stepSeconds().isEmpty() || after.stepSeconds().isEmpty()) {
            return "  commit steps: the service's /q/metrics did not answer";
        }
        double events = after.records() - before.records();
        if (events <= 0) {
            return "  commit steps: no batch was committed between the two scrapes of /q/metrics, " + window;
        }
        StringBuilder line = new StringBuilder("  commit thread's wall time per event by step, " + window
                + String.format(" (the service's costmeter_flush_step_duration_seconds over %,.0f records):", events));
        after.stepSeconds().forEach((step, seconds) -> line.append(String.format(" %s %.2f µs;", step,
                (seconds - before.stepSeconds().getOrDefault(step, 0.0)) * 1e6 / events)));
        return line.substring(0, line.length() - 1);
    }

    /** The server's WAL position in bytes: what it has written to its log so far, every database's. */
    private static long walBytes(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_current_wal_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * A process's CPU per event over the sustained part by thread (threads of one name summed), the
     * largest first, and each one's share of one core: whether one thread is the limit, and what else
     * (a JIT compiler, the collector, the broker's request threads) takes the cores.
     */
    private static String threadCpuPerEvent(String label, Map<String, Long> before, Map<String, Long> after, long events, double seconds) {
        StringBuilder line = new StringBuilder("  " + label + ":");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() >= 50L * events) // 0.05 µs per event and up
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> line.append(String.format(" %s %.1f µs (%.0f%% of a core);", e.getKey(), e.getValue() / 1e3 / events,
                        100 * e.getValue() / 1e9 / seconds)));
        return line.substring(0, line.length() - 1);
    }

    /**
     * How long the service's busiest threads waited for a core while they could have run: on this
     * machine the service, PostgreSQL and the broker share two cores, and time the ingest thread (the
     * data path's one serial step) spends in the run queue is throughput lost to the others.
     */
    private static String runQueueWaits(String window, Map<String, Long> before, Map<String, Long> after, double seconds) {
        StringBuilder line = new StringBuilder("  service threads waiting for a core (run queue), " + window + ":");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() >= 0.02 * seconds * 1e9) // 2% of the time and up
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> line.append(String.format(" %s %.0f%% of the time;", e.getKey(), 100 * e.getValue() / 1e9 / seconds)));
        return line.toString().endsWith(";") ? line.substring(0, line.length() - 1) : line + " none (or no scheduler statistics)";
    }

    /** The bytes of the priced topic in the broker's log directories, all its partitions. */
    static long pricedTopicBytes(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long bytes = 0;
            for (var broker : admin.describeLogDirs(admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList())
                    .allDescriptions().get().values()) {
                for (var dir : broker.values()) {
                    for (var replica : dir.replicaInfos().entrySet()) {
                        if (replica.getKey().topic().equals(PRICED_TOPIC)) {
                            bytes += replica.getValue().size();
                        }
                    }
                }
            }
            return bytes;
        }
    }

    /**
     * What one run with the priced topic on added to it on the broker, per event of the load (every
     * one is priced once: the run's {@code priced … events} line says so): the bytes the broker
     * received and wrote, after the outputs' compression ({@code costmeter.outputs.compression}).
     */
    static String pricedTopicOnBroker(long bytes, int events) {
        return String.format("  priced topic on the broker: %,d bytes = %,.0f bytes per priced record (compression: %s)", bytes,
                (double) bytes / events, serviceEnvironment().getOrDefault("COSTMETER_OUTPUTS_COMPRESSION", "the default"));
    }

    /** "0.19 (0.16–0.22)": the median of the values, and their range. */
    static String medianAndRange(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return String.format("%.2f (%.2f–%.2f)", median, sorted.get(0), sorted.get(n - 1));
    }

    /**
     * What the dedup window costs on disk: the event keys' table and its indexes per key, and what
     * that makes for a 7-day window at steady rates. (Measured right after the run: a table that
     * has also seen deletes and vacuums sits somewhat above it.)
     */
    static String dedupStorage(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                select count(*), pg_relation_size('seen_event'), pg_indexes_size('seen_event'), pg_total_relation_size('seen_event')
                from seen_event""")) {
            rs.next();
            long keys = rs.getLong(1);
            double perKey = (double) rs.getLong(4) / keys;
            StringBuilder out = new StringBuilder(String.format("  dedup keys: %,d, %,d bytes on disk (table %,d, indexes %,d) = %.0f bytes per key;"
                    + " a 7-day window:", keys, rs.getLong(4), rs.getLong(2), rs.getLong(3), perKey));
            for (int rate : new int[] {1_000, 10_000, 100_000}) {
                out.append(String.format(" %,d events/s %.1f GB;", rate, perKey * rate * 7 * 86_400 / 1e9));
            }
            return out.substring(0, out.length() - 1);
        }
    }

    static Connection awaitSchema(String dbUrl) throws Exception {
        Connection c = DriverManager.getConnection(dbUrl, RealPostgres.user(), "");
        while (true) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select to_regclass('public.event_outcome_total') is not null")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return c;
                }
            }
            Thread.sleep(50);
        }
    }

    static long read(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select coalesce(sum(events), 0) from event_outcome_total")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String java() {
        return System.getProperty("java.home") + "/bin/java";
    }
}
