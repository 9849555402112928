package dev.costmeter.bench;

import dev.costmeter.testing.PackagedService;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Past one instance (run by {@code bench/scale [EVENTS] [INSTANCES…]}, default 2,000,000 events and
 * 1, 2 and 4 instances): loads the end-to-end benchmark's events into a topic of 8 partitions, then
 * for each count starts that many instances of the packaged service in one consumer group against
 * one PostgreSQL database (emptied before each count) and measures the records durable per second
 * in total and per instance, and the CPU each part used: the instances, PostgreSQL (every
 * {@code postgres} process), and this JVM with the broker in it. On one machine the instances share
 * its cores with the broker and the database, so the figures say what the database costs per event
 * and how the work divides, not what more machines would add.
 *
 * <p>{@code BENCH_CELLS=on}: the sharded layout instead (docs/architecture.md, "Past one
 * PostgreSQL"): each instance is a cell with partitions of its own ({@code costmeter.ingest.partitions},
 * 8 divided evenly) and a database of its own on the same server, so that no row, lock or index page
 * is shared between instances; durable records and totals are summed over the cells' databases.
 */
public final class ScaleBenchmark {

    static final int PARTITIONS = 8;
    /** BENCH_CELLS=on: one database and a fixed share of the partitions per instance. */
    static final boolean CELLS = "on".equals(System.getenv("BENCH_CELLS"));

    public static void main(String[] args) throws Exception {
        BenchLogging.atInfo();
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        List<Integer> counts = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            counts.add(Integer.parseInt(args[i]));
        }
        if (counts.isEmpty()) {
            counts = List.of(1, 2, 4);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> report = new ArrayList<>();
        report.add(String.format("events: %,d on %d partitions; machine: %d cores; the service with default settings (priced topic on), "
                + "heap 512 MB each, %s", events, PARTITIONS, cores, CELLS
                ? "each instance a cell: its own partitions (costmeter.ingest.partitions) and its own database on one PostgreSQL server"
                : "one consumer group, one PostgreSQL database"));
        RealKafkaBroker.Broker broker = RealKafkaBroker.startBroker();
        try {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(EndToEndBenchmark.TOPIC, PARTITIONS, (short) 1))).all().get();
            }
            EndToEndBenchmark.load(broker.bootstrapServers(), events);
            String raw = EndToEndBenchmark.consumerPerformance(System.getProperty("java.class.path"), broker.bootstrapServers(), events);
            report.add("kafka ConsumerPerformance (one consumer): " + raw);
            for (int instances : counts) {
                report.addAll(run(broker.bootstrapServers(), events, instances, cores));
            }
        } finally {
            broker.close();
        }
        System.out.println("\n==== costmeter scale benchmark ====");
        report.forEach(System.out::println);
    }

    static List<String> run(String bootstrap, int events, int instances, int cores) throws Exception {
        if (CELLS && PARTITIONS % instances != 0) {
            throw new IllegalArgumentException("BENCH_CELLS=on divides " + PARTITIONS + " partitions evenly: " + instances + " instances do not");
        }
        String group = "scale-" + instances + "-" + System.nanoTime();
        List<String> dbUrls = new ArrayList<>();
        List<PackagedService> services = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            Map<String, String> environment = new java.util.HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "COSTMETER_INGEST_CONSUMER_GROUP", group));
            if (CELLS) {
                dbUrls.add(RealPostgres.freshEmpty("bench_scale_cell" + (i + 1)));
                int share = PARTITIONS / instances;
                environment.put("COSTMETER_INGEST_PARTITIONS", java.util.stream.IntStream.range(i * share, (i + 1) * share)
                        .mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")));
            } else if (i == 0) {
                dbUrls.add(RealPostgres.freshEmpty("bench_scale"));
            }
            environment.put("COSTMETER_DB_URL", dbUrls.get(dbUrls.size() - 1));
            services.add(new PackagedService(environment, List.of("-XX:+UseParallelGC"),
                    "bench-scale-" + (CELLS ? "cells-" : "") + instances + "x-" + (i + 1)));
        }
        ExecutorService starting = Executors.newFixedThreadPool(instances);
        List<String> lines = new ArrayList<>();
        long dbCpuStart = ProcessCpu.postgres();
        long selfCpuStart = ProcessCpu.self();
        long wallStart = System.nanoTime();
        try {
            List<Future<PackagedService>> started = new ArrayList<>();
            for (PackagedService s : services) { // all at once, as an orchestrator scales a deployment
                started.add(starting.submit(s::start));
            }
            for (Future<PackagedService> f : started) {
                f.get();
            }
            long firstAt = 0;
            long at10 = 0;
            long at90 = 0;
            long durable = 0;
            List<Connection> ledgers = new ArrayList<>();
            try {
                for (String url : dbUrls) {
                    ledgers.add(EndToEndBenchmark.awaitSchema(url));
                }
                while (durable < events) {
                    durable = 0;
                    for (Connection c : ledgers) {
                        durable += EndToEndBenchmark.read(c);
                    }
                    long now = System.nanoTime();
                    if (firstAt == 0 && durable > 0) {
                        firstAt = now;
                    }
                    if (at10 == 0 && durable >= events / 10) {
                        at10 = now;
                    }
                    if (at90 == 0 && durable >= events * 9L / 10) {
                        at90 = now;
                    }
                    if (now - wallStart > 600_000_000_000L) {
                        throw new IllegalStateException(instances + " instances: only " + durable + " of " + events + " durable after 10 minutes");
                    }
                    Thread.sleep(20);
                }
            } finally {
                for (Connection c : ledgers) {
                    c.close();
                }
            }
            long end = System.nanoTime();
            double seconds = (end - firstAt) / 1e9;
            double wall = (end - wallStart) / 1e9;
            lines.add(String.format("%d instance%s: %,d records durable; %,.0f events/s first commit → last (%.1f s), %,.0f events/s from 10%% to 90%%",
                    instances, instances == 1 ? "" : "s", durable, events / seconds, seconds, events * 0.8 / ((at90 - at10) / 1e9)));
            Pattern counted = Pattern.compile("(?m)^costmeter_events_total\\{outcome=\"[a-z]+\"} ([0-9.E]+)$");
            for (int i = 0; i < instances; i++) {
                PackagedService s = services.get(i);
                Matcher m = counted.matcher(s.get("/q/metrics").body());
                double own = 0;
                while (m.find()) {
                    own += Double.parseDouble(m.group(1));
                }
                lines.add(String.format("  instance %d: %,.0f records (%,.0f events/s), CPU %.0f%% of one core", i + 1, own, own / seconds,
                        100.0 * ProcessCpu.of(s.process().pid()) / 1e9 / wall));
            }
            double dbCpu = (ProcessCpu.postgres() - dbCpuStart) / 1e9;
            double selfCpu = (ProcessCpu.self() - selfCpuStart) / 1e9;
            lines.add(String.format("  PostgreSQL: %.0f%% of one core (%.0f%% of the machine's %d), %.1f µs of its CPU per event; "
                    + "broker and benchmark JVM: %.0f%% of one core", 100 * dbCpu / wall, 100 * dbCpu / wall / cores, cores,
                    dbCpu * 1e6 / events, 100 * selfCpu / wall));
        } finally {
            starting.shutdownNow();
            for (PackagedService s : services) {
                s.stop();
            }
        }
        long priced = 0;
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        for (String url : dbUrls) { // one database, or one per cell: the bill is their sum
            try (Connection c = DriverManager.getConnection(url, RealPostgres.user(), ""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select (select coalesce(sum(events), 0) from event_outcome_total where outcome = 'priced'), "
                         + "(select coalesce(sum(cost_usd), 0) from spend_aggregate)")) {
                rs.next();
                priced += rs.getLong(1);
                total = total.add(rs.getBigDecimal(2));
            }
        }
        lines.add(String.format("  priced %,d events, total $%s%s", priced, total.stripTrailingZeros().toPlainString(),
                dbUrls.size() > 1 ? " (summed over " + dbUrls.size() + " cells' databases)" : ""));
        return lines;
    }
}
