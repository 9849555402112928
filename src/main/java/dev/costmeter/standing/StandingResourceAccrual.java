package dev.costmeter.standing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.kafka.KafkaClients;
import dev.costmeter.storage.StandingResourceHours;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Accrues the standing resources declared in configuration ({@code costmeter.standing-resources}):
 * the hidden costs that run by the hour whether or not any app reports them (an OpenSearch
 * Serverless collection under a Knowledge Base, provisioned throughput, custom model storage).
 *
 * <p>For each completed hour it publishes one usage event to the usage topic, with the id
 * {@code standing:<name>:<hour>}, so it is priced, aggregated and deduplicated like any other
 * event. An hour is claimed in PostgreSQL ({@code standing_resource_hour}) in the same transaction
 * that waits for Kafka's acknowledgement: with several instances, or after a crash, an hour is
 * published by one instance (and should it be published twice, the event id charges it once).
 */
@ApplicationScoped
public class StandingResourceAccrual {

    private static final Logger LOG = Logger.getLogger(StandingResourceAccrual.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How far back hours are accrued when a resource is first seen or the service was down. */
    static final Duration MAX_BACKFILL = Duration.ofHours(24);

    @Inject
    CostmeterConfig config;
    @Inject
    KafkaClients kafka;
    @Inject
    StandingResourceHours hours;

    private final Clock clock = Clock.systemUTC();
    private final Map<String, Resource> resources = new LinkedHashMap<>();
    private KafkaProducer<byte[], byte[]> producer;
    private volatile boolean started;
    /** The last completed hour this instance has accrued every resource through: until the next hour completes, a tick costs nothing. */
    private volatile Instant accruedThrough;

    /** One declared resource, its data validated at startup. */
    record Resource(String name, String type, String source, ObjectNode hourData, Instant since) {
    }

    void onStart(@Observes StartupEvent event) {
        if (config.standingResources().isEmpty()) {
            return;
        }
        CloudEventDecoder decoder = new CloudEventDecoder(new CloudEventDecoder.Limits(config.ingest().maxRecordBytes(),
                config.ingest().maxQuantity(), Duration.ofHours(1)), clock);
        config.standingResources().forEach((name, declared) -> {
            JsonNode data;
            try {
                data = JSON.readTree(declared.data());
            } catch (Exception e) {
                throw new IllegalStateException("costmeter.standing-resources." + name + ".data: not JSON: " + e.getMessage());
            }
            if (!(data instanceof ObjectNode object)) {
                throw new IllegalStateException("costmeter.standing-resources." + name + ".data: must be a JSON object");
            }
            object.put("hours", 1);
            Resource resource = new Resource(name, declared.type(), declared.source(), object, declared.since().orElse(null));
            try {
                decoder.decode(eventFor(resource, clock.instant().truncatedTo(ChronoUnit.HOURS)));
            } catch (InvalidEventException e) {
                throw new IllegalStateException("costmeter.standing-resources." + name + ": its hourly event would be rejected: "
                        + e.getMessage());
            }
            resources.put(name, resource);
            LOG.infof("standing resource %s (%s for %s) accrues every hour", name, declared.type(), declared.source());
        });
        producer = kafka.outputProducer();
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (started) {
            started = false;
            producer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Every 10 seconds, so an hour is published within seconds of completing and a tick skipped while
     * the service starts is made up at once; between hours a tick touches neither PostgreSQL nor Kafka.
     */
    @Scheduled(identity = "standing-resources", delayed = "1s", every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void accrueQuietly() {
        if (!started || lastCompletedHour(clock.instant()).equals(accruedThrough)) {
            return;
        }
        try {
            accrue();
        } catch (Exception e) {
            LOG.warn("could not accrue standing resources; will try again in 10 seconds", e);
        }
    }

    private static Instant lastCompletedHour(Instant now) {
        return now.truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS);
    }

    /** Publishes every completed hour not yet published, for every resource. */
    public void accrue() throws Exception {
        Instant now = clock.instant();
        Instant lastCompleted = lastCompletedHour(now);
        for (Resource resource : resources.values()) {
            Instant first = firstHour(resource, now);
            Instant backfillLimit = now.minus(MAX_BACKFILL).truncatedTo(ChronoUnit.HOURS);
            Instant from = first.isBefore(backfillLimit) ? backfillLimit : first;
            for (Instant hour = from; !hour.isAfter(lastCompleted); hour = hour.plus(1, ChronoUnit.HOURS)) {
                publishOnce(resource, hour);
            }
        }
        accruedThrough = lastCompleted;
    }

    /** The configured start, else the first hour ever accrued, else (a new resource) the current hour. */
    private Instant firstHour(Resource resource, Instant now) throws SQLException {
        if (resource.since() != null) {
            Instant since = resource.since().truncatedTo(ChronoUnit.HOURS);
            return since.equals(resource.since()) ? since : since.plus(1, ChronoUnit.HOURS); // whole hours only
        }
        Instant earliest = hours.firstHour(resource.name());
        if (earliest != null) {
            return earliest;
        }
        Instant current = now.truncatedTo(ChronoUnit.HOURS);
        hours.markStart(resource.name(), current); // remember where accrual starts, before the hour completes
        return current;
    }

    /**
     * Claims the hour (a new row, or the start marker) and publishes its event before the claim
     * commits; an hour already published is left alone. A concurrent claim waits on the row lock.
     */
    private void publishOnce(Resource resource, Instant hour) throws Exception {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(config.topics().usage(),
                resource.source().getBytes(StandardCharsets.UTF_8), eventFor(resource, hour));
        hours.publishOnce(resource.name(), hour, () -> producer.send(record).get(30, TimeUnit.SECONDS));
    }

    /** The hour's usage event, in costmeter's envelope. */
    static byte[] eventFor(Resource resource, Instant hour) {
        ObjectNode event = JSON.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", "standing:" + resource.name() + ":" + hour);
        event.put("source", resource.source());
        event.put("type", resource.type());
        event.put("time", hour.toString());
        event.put("subject", "standing-resource/" + resource.name());
        event.set("data", resource.hourData());
        try {
            return JSON.writeValueAsBytes(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
