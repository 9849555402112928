package dev.costmeter.bench;

import dev.costmeter.testing.PackagedService;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Latency from produce to visible (run by {@code bench/latency [RATE] [SECONDS]}, default 10,000
 * events/s for 60 s after a 30 s warm-up): a producer publishes usage events at a steady rate to a
 * one-partition topic while three pollers watch, every 10 ms, how many have become visible —
 * durable in PostgreSQL (the ledger's priced count), in the spend API (events of the benchmark's
 * source) and in {@code /q/metrics} ({@code costmeter_events_total{outcome="priced"}}). On one
 * partition the service commits records in the order they were produced, so the N-th event to
 * become visible is the N-th produced: each event's latency is the time of the first poll that saw
 * it minus the time it was handed to the producer. Prints p50, p99 and the maximum of each.
 */
public final class LatencyBenchmark {

    static final String TOPIC = "bedrock.usage";
    static final String SOURCE = "latency-bench";
    /** How often the ledger is polled: a one-row query, cheap enough to ask 100 times a second. */
    static final Duration POLL = Duration.ofMillis(10);
    /**
     * How often the spend API and {@code /q/metrics} are polled. Each poll makes the service render
     * a response (the metrics page is ~50 KB), so polling them as often as the ledger would load the
     * service far beyond any dashboard or Prometheus scrape and slow the very commits being measured;
     * ten times a second adds at most 100 ms (50 on average) of resolution to their figures.
     */
    static final Duration POLL_SERVICE = Duration.ofMillis(100);

    public static void main(String[] args) throws Exception {
        BenchLogging.atInfo();
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int warmupSeconds = 30;
        int warmup = rate * warmupSeconds;
        int total = warmup + rate * seconds;

        RealKafkaBroker.Broker broker = RealKafkaBroker.startBroker();
        String dbUrl = RealPostgres.freshEmpty("bench_latency");
        List<String> report = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            Map<String, String> env = new java.util.HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "COSTMETER_DB_URL", dbUrl, "COSTMETER_INGEST_CONSUMER_GROUP", "latency-" + System.nanoTime()));
            env.putAll(EndToEndBenchmark.serviceEnvironment());
            try (PackagedService service = new PackagedService(env, EndToEndBenchmark.serviceJavaOptions("latency"), "bench-latency").start();
                 Connection db = DriverManager.getConnection(dbUrl, RealPostgres.user(), "")) {
                PackagedService.Waiting.until("the service is ready", Duration.ofSeconds(60),
                        () -> service.get("/q/health/ready").statusCode() == 200);
                Instant firstEventTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                String spendPath = "/api/v1/spend?source=" + SOURCE + "&dimension=input_tokens&groupBy=dimension&from=" + firstEventTime.minus(Duration.ofHours(1))
                        + "&to=" + firstEventTime.plus(Duration.ofHours(3));
                Pattern pricedCounter = Pattern.compile("(?m)^costmeter_events_total\\{outcome=\"priced\"} ([0-9.E]+)$");

                long[] producedAt = new long[total];
                AtomicBoolean running = new AtomicBoolean(true);
                Poller ledger = new Poller("durable in PostgreSQL", POLL, total, running, () -> {
                    try (Statement s = db.createStatement();
                         ResultSet rs = s.executeQuery("select coalesce(sum(events), 0) from event_outcome_total where outcome = 'priced'")) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
                Pattern spendEvents = Pattern.compile("\"events\":(\\d+)");
                Poller api = new Poller("visible in the spend API", POLL_SERVICE, total, running, () -> {
                    HttpResponse<String> r = service.get(spendPath);
                    Matcher m = spendEvents.matcher(r.body());
                    return m.find() ? Long.parseLong(m.group(1)) : 0;
                });
                Poller metrics = new Poller("visible in /q/metrics", POLL_SERVICE, total, running, () -> {
                    Matcher m = pricedCounter.matcher(service.get("/q/metrics").body());
                    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
                });
                List<Poller> pollers = List.of(ledger, api, metrics);
                pollers.forEach(Poller::start);

                long checkpointsBefore = checkpoints(db);
                long benchCpuStart = ProcessCpu.self();
                long cpuStart = ProcessCpu.of(service.process().pid());
                long dbCpuStart = ProcessCpu.postgres();
                long wallStart = System.nanoTime();
                produce(broker.bootstrapServers(), rate, total, producedAt, firstEventTime);
                for (Poller p : pollers) {
                    p.awaitAll(Duration.ofSeconds(60));
                }
                running.set(false);
                long wall = System.nanoTime() - wallStart;
                report.add(String.format("latency, produce → visible: %,d events/s for %d s on one partition (after %d s of warm-up), "
                        + "the ledger polled every %d ms, the spend API and /q/metrics every %d ms; the service with %s (priced topic on), heap 512 MB",
                        rate, seconds, warmupSeconds, POLL.toMillis(), POLL_SERVICE.toMillis(),
                        EndToEndBenchmark.serviceEnvironment().isEmpty() ? "default settings" : "settings " + EndToEndBenchmark.serviceEnvironment()));
                for (Poller p : pollers) {
                    report.add(p.summary(producedAt, warmup));
                }
                report.add(String.format("  CPU over the run: service %.0f%% of one core, PostgreSQL %.0f%%, this JVM (broker, producer, pollers) %.0f%%; "
                                + "PostgreSQL checkpoints during the run: %d",
                        100.0 * (ProcessCpu.of(service.process().pid()) - cpuStart) / wall, 100.0 * (ProcessCpu.postgres() - dbCpuStart) / wall,
                        100.0 * (ProcessCpu.self() - benchCpuStart) / wall, checkpoints(db) - checkpointsBefore));
            }
        } finally {
            broker.close();
        }
        System.out.println("\n==== costmeter latency benchmark ====");
        report.forEach(System.out::println);
    }

    /** Checkpoints PostgreSQL has begun since its statistics were reset (their fsyncs can hold a commit up). */
    static long checkpoints(Connection db) throws Exception {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select checkpoints_timed + checkpoints_req from pg_stat_bgwriter")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Publishes {@code total} events at {@code rate} per second, noting when each was handed to the
     * producer. It wakes every millisecond and sends the events due by then, as a busy application
     * does; waiting for each event's exact nanosecond instead would spin one of the machine's two
     * cores and slow the very service being measured.
     */
    static void produce(String bootstrap, int rate, int total, long[] producedAt, Instant firstEventTime) {
        long intervalNanos = 1_000_000_000L / rate;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * intervalNanos;
                while (System.nanoTime() < due) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                Instant time = firstEventTime.plusNanos(i * intervalNanos);
                byte[] event = ("{\"specversion\":\"1.0\",\"id\":\"lat-" + i + "\",\"source\":\"" + SOURCE + "\",\"type\":\"bedrock.invocation\","
                        + "\"time\":\"" + time + "\",\"subject\":\"tenant-" + (i % 40) + "\",\"data\":{\"modelId\":\"anthropic.claude-haiku-4-5-20251001-v1:0\","
                        + "\"region\":\"us-east-1\",\"usage\":{\"inputTokens\":" + (800 + i % 400) + ",\"outputTokens\":" + (100 + i % 200) + "}}}")
                        .getBytes(StandardCharsets.UTF_8);
                producedAt[i] = System.nanoTime();
                producer.send(new ProducerRecord<>(TOPIC, ("lat-" + i).getBytes(StandardCharsets.UTF_8), event));
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls a count of visible events and notes, for each event, the first poll that saw it. */
    static final class Poller extends Thread {
        final String what;
        final Duration interval;
        final long[] visibleAt;
        final AtomicBoolean running;
        final LongSupplierWithErrors count;
        volatile long seen;
        volatile Exception failure;

        interface LongSupplierWithErrors {
            long get() throws Exception;
        }

        Poller(String what, Duration interval, int total, AtomicBoolean running, LongSupplierWithErrors count) {
            super("poll " + what);
            setDaemon(true);
            this.what = what;
            this.interval = interval;
            this.visibleAt = new long[total];
            this.running = running;
            this.count = count;
        }

        @Override
        public void run() {
            while (running.get() && seen < visibleAt.length) {
                try {
                    long now = count.get();
                    long at = System.nanoTime();
                    for (long i = seen; i < Math.min(now, visibleAt.length); i++) {
                        visibleAt[(int) i] = at;
                    }
                    seen = Math.max(seen, now);
                } catch (Exception e) {
                    failure = e;
                }
                LatencyBenchmark.sleep(interval.toMillis());
            }
        }

        void awaitAll(Duration timeout) throws Exception {
            join(timeout.toMillis());
            if (seen < visibleAt.length) {
                throw new IllegalStateException(what + ": only " + seen + " of " + visibleAt.length + " events became visible"
                        + (failure == null ? "" : "; last failure: " + failure));
            }
        }

        String summary(long[] producedAt, int from) {
            long[] latency = new long[producedAt.length - from];
            for (int i = from; i < producedAt.length; i++) {
                latency[i - from] = visibleAt[i] - producedAt[i];
            }
            // Where the tail comes from: the worst latency of each 5 seconds of production.
            int window = (int) Math.max(1, Math.round(latency.length / ((producedAt[producedAt.length - 1] - producedAt[from]) / 1e9)) * 5);
            StringBuilder worstPerWindow = new StringBuilder();
            for (int start = 0; start < latency.length; start += window) {
                long worst = 0;
                for (int i = start; i < Math.min(latency.length, start + window); i++) {
                    worst = Math.max(worst, latency[i]);
                }
                worstPerWindow.append(' ').append(worst / 1_000_000);
            }
            Arrays.sort(latency);
            return String.format("  %-26s p50 %4d ms   p99 %4d ms   max %4d ms   (%,d events)%n    worst of each 5 s, ms:%s",
                    what + ":", millis(latency, 0.50), millis(latency, 0.99), latency[latency.length - 1] / 1_000_000, latency.length, worstPerWindow);
        }

        static long millis(long[] sorted, double quantile) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1_000_000;
        }
    }
}
