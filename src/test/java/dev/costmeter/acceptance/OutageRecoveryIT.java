package dev.costmeter.acceptance;

import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.testing.PackagedService;
import dev.costmeter.testing.PrivatePostgres;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.RestartableKafkaBroker;
import dev.costmeter.tools.SyntheticUsage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service rides out a 30-second PostgreSQL outage and a Kafka broker outage without a
 * restart: while a dependency is away, readiness says DOWN and why, liveness stays UP, the outcomes
 * API answers 503 with a reason, and the lag (measured against PostgreSQL's offsets) shows the records
 * waiting; once it is back, metering resumes by itself and the totals are exact to the last decimal.
 * PostgreSQL here is a private cluster this test starts and stops on its own port.
 */
class OutageRecoveryIT {

    static final Duration POSTGRES_DOWN = Duration.ofSeconds(30);

    final SyntheticUsage usage = new SyntheticUsage(11, "outage", Instant.parse("2026-03-01T00:00:00Z"), 1_000_000);
    final CloudEventDecoder decoder = new CloudEventDecoder(new CloudEventDecoder.Limits(65536, 1_000_000_000L, Duration.ofHours(1)),
            Clock.systemUTC());
    final RateCard card = RateCardCatalog.loadBundled().get(0);
    final Pricer pricer = new Pricer();
    PrivatePostgres postgres;
    RestartableKafkaBroker broker;
    PackagedService service;
    String dbUrl;
    int published;
    BigDecimal expectedTotal = BigDecimal.ZERO;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aPostgresOutageAndABrokerOutageAreRiddenOutWithoutARestart() throws Exception {
        postgres = PrivatePostgres.start();
        dbUrl = postgres.jdbcUrl("costmeter");
        RealPostgres.ensureDatabase(dbUrl);
        broker = RestartableKafkaBroker.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("bedrock.usage", 4, (short) 1))).all().get();
        }
        publish(20_000);
        startService();
        awaitRead(20_000, Duration.ofSeconds(120));
        assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);

        // ---- PostgreSQL goes away for 30 s while events keep arriving
        postgres.stopServer();
        long stoppedAt = System.nanoTime();
        publish(20_000);
        await("readiness DOWN while PostgreSQL is away", Duration.ofSeconds(20), () -> get("/q/health/ready").statusCode() == 503);
        HttpResponse<String> ready = get("/q/health/ready");
        assertThat(ready.body()).contains("costmeter-ingest").contains("\"status\": \"DOWN\"");
        assertThat(get("/q/health/live").statusCode()).as("a dependency outage is not a reason to restart").isEqualTo(200);
        HttpResponse<String> outcomes = get("/api/v1/pipeline/outcomes");
        assertThat(outcomes.statusCode()).isEqualTo(503);
        assertThat(outcomes.body()).contains("PostgreSQL is unavailable");
        assertThat(outcomes.headers().firstValue("Retry-After")).isPresent();
        await("the lag shows the records waiting", Duration.ofSeconds(20), () -> lag() > 0);
        Thread.sleep(Math.max(0, POSTGRES_DOWN.toMillis() - Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis()));
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);

        postgres.startServer();
        long backAt = System.nanoTime();
        awaitRead(40_000, Duration.ofSeconds(120));
        Duration postgresRecovery = Duration.ofNanos(System.nanoTime() - backAt);
        await("readiness UP again", Duration.ofSeconds(30), () -> get("/q/health/ready").statusCode() == 200);
        assertExact();

        // ---- the broker goes away, and comes back on the same port with the same log
        broker.stop();
        long brokerStoppedAt = System.nanoTime();
        await("readiness DOWN while no broker answers", Duration.ofSeconds(30), () -> get("/q/health/ready").statusCode() == 503);
        Duration brokerDetected = Duration.ofNanos(System.nanoTime() - brokerStoppedAt);
        assertThat(get("/q/health/ready").body()).contains("costmeter-kafka");
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
        Thread.sleep(5_000);
        broker.startAgain();
        long brokerBackAt = System.nanoTime();
        publish(10_000);
        awaitRead(50_000, Duration.ofSeconds(120));
        Duration brokerRecovery = Duration.ofNanos(System.nanoTime() - brokerBackAt);
        await("readiness UP again", Duration.ofSeconds(30), () -> get("/q/health/ready").statusCode() == 200);
        assertExact();
        System.out.printf("OutageRecoveryIT: PostgreSQL down %d s, all 40,000 records committed %.1f s after it came back; "
                        + "broker outage seen by readiness after %.1f s, 10,000 records published after its return committed within %.1f s%n",
                POSTGRES_DOWN.toSeconds(), postgresRecovery.toMillis() / 1000.0, brokerDetected.toMillis() / 1000.0,
                brokerRecovery.toMillis() / 1000.0);
    }

    void assertExact() throws Exception {
        Map<String, Long> outcomes = outcomes();
        assertThat(outcomes).containsEntry("priced", (long) published).doesNotContainKeys("invalid", "unpriced", "conflict");
        assertThat(outcomes.getOrDefault("duplicate", 0L)).isZero();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select sum(cost_usd) from spend_aggregate")) {
            rs.next();
            assertThat(rs.getBigDecimal(1).stripTrailingZeros()).isEqualTo(expectedTotal.stripTrailingZeros());
        }
    }

    /**
     * Publishes the next {@code n} synthetic events, waits until the broker has acknowledged every one
     * (a send that failed must fail here, not as a shortfall later), and adds their exact cost to the
     * expected total.
     */
    void publish(int n) throws Exception {
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sends = new java.util.ArrayList<>(n);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(dev.costmeter.testing.TestKafka.producerSettings(
                broker.bootstrapServers(), 20), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = published; i < published + n; i++) {
                String event = usage.event(i);
                PricingResult result = pricer.price(decoder.decode(event.getBytes(StandardCharsets.UTF_8)), card);
                expectedTotal = expectedTotal.add(((PricingResult.Priced) result).pricedEvent().totalUsd());
                sends.add(producer.send(new ProducerRecord<>("bedrock.usage", usage.id(i).getBytes(), event.getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
        }
        for (java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send : sends) {
            send.get(); // throws if the broker did not take the record
        }
        published += n;
    }

    void startService() throws Exception {
        // -Dcostmeter.it.options (with -Dcostmeter.it.app) runs this test against another build, e.g. one from before the fix
        List<String> options = List.of(System.getProperty("costmeter.it.options", "-Dcostmeter.kafka.unreachable-grace=PT5S "
                + "-Dcostmeter.kafka.health-check-interval=PT1S -Dcostmeter.aggregation.max-retry-backoff=PT4S").split("\\s+"))
                .stream().filter(o -> !o.isBlank()).toList();
        service = new PackagedService(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "COSTMETER_DB_URL", dbUrl),
                options, "outage-recovery-it").start();
    }

    HttpResponse<String> get(String path) throws Exception {
        return service.get(path);
    }

    long lag() throws Exception {
        Matcher m = Pattern.compile("(?m)^costmeter_consumer_lag_records(?:\\{[^}]*})? ([0-9.Ee+]+)$").matcher(get("/q/metrics").body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    void awaitRead(long atLeast, Duration timeout) throws Exception {
        PackagedService.Waiting.until(atLeast + " records read", timeout, () -> {
            try {
                return outcomes().values().stream().mapToLong(Long::longValue).sum() >= atLeast;
            } catch (Exception e) {
                return false;
            }
        }, this::diagnosis);
    }

    /** What the ledger, the lag and the service say, for a wait that timed out. */
    String diagnosis() {
        StringBuilder out = new StringBuilder("\npublished ").append(published).append(" records; ");
        try {
            out.append("outcomes in PostgreSQL: ").append(outcomes());
        } catch (Exception e) {
            out.append("outcomes unreadable: ").append(e);
        }
        try {
            out.append("; costmeter_consumer_lag_records ").append(lag());
        } catch (Exception e) {
            out.append("; lag unreadable: ").append(e);
        }
        return out + (service == null ? "" : service.diagnosis());
    }

    Map<String, Long> outcomes() throws Exception {
        Map<String, Long> outcomes = new HashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            if (!CrashRecoveryIT.tableExists(s)) {
                return outcomes;
            }
            try (ResultSet rs = s.executeQuery("select outcome, events from event_outcome_total where outcome <> 'priced_without_usage'")) {
                while (rs.next()) {
                    outcomes.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return outcomes;
    }

    Connection connect() throws Exception {
        return DriverManager.getConnection(dbUrl, "postgres", "");
    }

    void await(String what, Duration timeout, PackagedService.Waiting.Condition condition) throws Exception {
        PackagedService.Waiting.until(what, timeout, condition, this::diagnosis);
    }
}
