package dev.costmeter.acceptance;

import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.tools.SyntheticUsage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service is killed with SIGKILL in the middle of a stream and started again: the
 * totals in PostgreSQL are still exact, every record is counted once, and redeliveries of events
 * charged before the crash are still recognised as duplicates.
 */
class CrashRecoveryIT {

    static final int EVENTS = 300_000;
    static final int REDELIVERIES = 3_000;
    static final String DB_URL = RealPostgres.derived("crash_it");

    RealKafkaBroker.Broker broker;
    final List<Process> services = new ArrayList<>();

    @AfterEach
    void stop() {
        services.forEach(Process::destroyForcibly);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void killedMidStreamAndRestartedTheTotalsAreStillExact() throws Exception {
        broker = RealKafkaBroker.startBroker();
        String bootstrap = broker.bootstrapServers();
        freshDatabase();
        BigDecimal expectedTotal = publish(bootstrap);

        Process first = startService(bootstrap, 1);
        long readBeforeKill = awaitRead(20_000, Duration.ofSeconds(120));
        first.destroyForcibly().waitFor();
        long readAtKill = outcomes().values().stream().mapToLong(Long::longValue).sum();
        assertThat(readAtKill).as("the kill must land mid-stream for this test to mean anything")
                .isGreaterThanOrEqualTo(readBeforeKill).isLessThan(EVENTS + REDELIVERIES);
        System.out.printf("CrashRecoveryIT: killed with %,d of %,d records committed%n", readAtKill, EVENTS + REDELIVERIES);

        Process second = startService(bootstrap, 2);
        awaitRead(EVENTS + REDELIVERIES, Duration.ofSeconds(180));
        Thread.sleep(1500); // anything double-counted would show up in a later flush
        Map<String, Long> outcomes = outcomes();
        assertThat(outcomes).containsEntry("priced", (long) EVENTS).containsEntry("duplicate", (long) REDELIVERIES)
                .doesNotContainKey("invalid").doesNotContainKey("unpriced");
        assertThat(sumCost()).isEqualTo(expectedTotal);
        second.destroy();
        assertThat(second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    /** Publishes the stream and returns its exact cost, worked out here with the pricer. */
    BigDecimal publish(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic("bedrock.usage", 4, (short) 1))).all().get();
        }
        SyntheticUsage usage = new SyntheticUsage(7, "crash", Instant.parse("2026-03-01T00:00:00Z"), 1_000_000);
        CloudEventDecoder decoder = new CloudEventDecoder(
                new CloudEventDecoder.Limits(65536, 1_000_000_000L, Duration.ofHours(1)), Clock.systemUTC());
        RateCard card = RateCardCatalog.loadBundled().get(0);
        Pricer pricer = new Pricer();
        BigDecimal total = BigDecimal.ZERO;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(dev.costmeter.testing.TestKafka.producerSettings(bootstrap, 20),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                String event = usage.event(i);
                PricingResult result = pricer.price(decoder.decode(event.getBytes(StandardCharsets.UTF_8)), card);
                total = total.add(((PricingResult.Priced) result).pricedEvent().totalUsd());
                producer.send(new ProducerRecord<>("bedrock.usage", usage.id(i).getBytes(), event.getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < REDELIVERIES; i++) { // a producer retrying events from the start of the stream
                producer.send(new ProducerRecord<>("bedrock.usage", ("retry-" + i).getBytes(), usage.event(i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        return total.stripTrailingZeros();
    }

    Process startService(String bootstrap, int run) throws Exception {
        File log = new File("target/crash-recovery-it-run" + run + ".log");
        ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-Xmx512m", "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(log);
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        builder.environment().put("COSTMETER_DB_URL", DB_URL);
        builder.environment().put("PORT", "0");
        // Batches of at most 20,000 records, so that the stream commits in many and the kill lands
        // between two of them: with the defaults (400,000 records or 4 s while behind) a machine that
        // reads the whole stream within 4 s commits it in one batch, and nothing is left to crash in.
        builder.environment().put("COSTMETER_AGGREGATION_FLUSH_MAX_RECORDS", "20000");
        builder.environment().put("COSTMETER_AGGREGATION_FLUSH_INTERVAL_BEHIND", "PT0.5S");
        Process process = builder.start();
        services.add(process);
        return process;
    }

    void freshDatabase() throws Exception {
        RealPostgres.ensureDatabase(DB_URL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("drop schema public cascade");
            s.execute("create schema public");
        }
    }

    long awaitRead(long atLeast, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long read = outcomes().values().stream().mapToLong(Long::longValue).sum();
            if (read >= atLeast) {
                return read;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + atLeast + " records read within " + timeout + ": " + outcomes());
    }

    Map<String, Long> outcomes() throws Exception {
        Map<String, Long> outcomes = new HashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            if (!tableExists(s)) {
                return outcomes;
            }
            try (ResultSet rs = s.executeQuery("select outcome, events from event_outcome_total")) {
                while (rs.next()) {
                    outcomes.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return outcomes;
    }

    BigDecimal sumCost() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select sum(cost_usd) from spend_aggregate")) {
            rs.next();
            return rs.getBigDecimal(1).stripTrailingZeros();
        }
    }

    static boolean tableExists(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("select to_regclass('public.event_outcome_total') is not null")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    static Connection connect() throws Exception {
        return DriverManager.getConnection(DB_URL, RealPostgres.user(), System.getenv().getOrDefault("COSTMETER_DB_PASSWORD", ""));
    }

    static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
