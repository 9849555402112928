package dev.costmeter.rerate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costmeter.aggregation.SourcePartition;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.kafka.KafkaClients;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.RerateLedger;
import dev.costmeter.storage.SpendLedger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Applies a re-rate: the range's aggregates move to the target card with their exact new costs, an
 * append-only adjustment keeps who, when, why, which cards and every per-key delta, and a
 * {@code costmeter.adjusted} CloudEvent per key delta goes to the priced topic — in one PostgreSQL
 * transaction that commits only once Kafka has acknowledged the events. Applying the same re-rate
 * (the same id) again changes nothing. Refused while another re-rate is applied, and while usage
 * records published before the range settled are not yet metered.
 */
@ApplicationScoped
public class RerateService {

    private static final Logger LOG = Logger.getLogger(RerateService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String ADJUSTED_TYPE = "costmeter.adjusted";

    @Inject
    CostmeterConfig config;
    @Inject
    RateCardCatalog catalog;
    @Inject
    RerateLedger ledger;
    @Inject
    SpendLedger offsets;
    @Inject
    KafkaClients kafka;
    @Inject
    MeterRegistry registry;

    private KafkaProducer<byte[], byte[]> producer;

    /** A re-rate that may not be applied now, with the HTTP status that says why. */
    public static final class Refused extends Exception {
        private final int status;

        public Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** What to re-rate. {@code source} and {@code model} may be null (every one); {@code targetVersion} a version or {@link #IN_EFFECT}. */
    public record Request(UUID id, Instant from, Instant to, String targetVersion, String source, String model, String reason) {
    }

    /** The target meaning "the card now in effect at each aggregate's time". */
    public static final String IN_EFFECT = "inEffect";

    /**
     * The parts of [from, to) and the card each is re-rated to: the whole range to one version, or, for
     * {@link #IN_EFFECT}, each card's period within the range to that card.
     */
    public List<RerateLedger.Segment> segments(Instant from, Instant to, String targetVersion) throws Refused {
        if (!IN_EFFECT.equals(targetVersion)) {
            RateCardCatalog.Version target = catalog.version(targetVersion)
                    .orElseThrow(() -> new Refused(422, "targetVersion: no rate card version '" + targetVersion + "'"));
            return List.of(new RerateLedger.Segment(from, to, target.card().version()));
        }
        RateCardTimeline timeline = catalog.timeline();
        if (timeline.cardAt(from) == null) {
            throw new Refused(422, "targetVersion inEffect: no rate card is in effect at " + from);
        }
        List<RerateLedger.Segment> segments = new ArrayList<>();
        Instant start = from;
        for (RateCard card : timeline.cards()) {
            if (card.effectiveFrom().isAfter(start) && card.effectiveFrom().isBefore(to)) {
                segments.add(new RerateLedger.Segment(start, card.effectiveFrom(), timeline.cardAt(start).version()));
                start = card.effectiveFrom();
            }
        }
        segments.add(new RerateLedger.Segment(start, to, timeline.cardAt(start).version()));
        return segments;
    }

    public RerateLedger.Outcome apply(Request request, String appliedBy) throws Exception {
        Duration settle = config.rerate().settleTime();
        Instant settledAt = request.to().plus(settle);
        if (settledAt.isAfter(Instant.now())) {
            throw new Refused(409, "the range ends at " + request.to() + ": its events may still arrive until " + settledAt
                    + " (costmeter.rerate.settle-time " + settle + "); re-rate it after that");
        }
        List<RerateLedger.Segment> segments = segments(request.from(), request.to(), request.targetVersion());
        long pending;
        try {
            pending = pendingBefore(settledAt);
        } catch (Exception e) {
            throw new Refused(503, "cannot measure the ingest backlog in Kafka (" + e.getMessage() + "): nothing changed; try again");
        }
        if (pending > 0) {
            throw new Refused(409, pending + " usage records published before " + settledAt + " are not metered yet: a re-rate now would "
                    + "miss them; try again once the ingest has caught up");
        }
        RerateLedger.Outcome outcome;
        try {
            outcome = ledger.apply(request.id(), appliedBy, request.reason(), request.targetVersion(), segments, request.source(),
                    request.model(), (segment, combinations) -> prices(combinations, catalog.version(segment.targetVersion()).orElseThrow()),
                    this::publish);
        } catch (RerateLedger.Busy e) {
            throw new Refused(409, e.getMessage());
        }
        if (!outcome.alreadyApplied()) {
            for (RerateLedger.Line line : outcome.applied().lines()) {
                BigDecimal delta = line.deltaUsd();
                if (delta.signum() != 0) {
                    adjustment(delta.signum() > 0 ? "increase" : "decrease").increment(delta.abs().doubleValue());
                }
            }
            LOG.infof("re-rate %s applied by %s: %s to %s under %s, %d aggregates, %s USD", request.id(), appliedBy, request.from(),
                    request.to(), request.targetVersion(), outcome.applied().aggregates(), Money.plain(outcome.applied().deltaUsd()));
        }
        return outcome;
    }

    /** Counters never go down: increases and decreases are their own series. */
    private Counter adjustment(String direction) {
        return Counter.builder("costmeter.cost.adjustment").baseUnit("usd").tag("direction", direction)
                .description("Re-rated cost, by direction: what applied re-rates added to or took from the aggregates").register(registry);
    }

    /**
     * The target's unit price for each combination the range holds (null where it is the price its
     * own card charged); refused when one has none or its quantity would change.
     */
    private List<BigDecimal> prices(List<RerateLedger.Combination> combinations, RateCardCatalog.Version target) throws Refused {
        Set<String> problems = new LinkedHashSet<>();
        List<BigDecimal> prices = new ArrayList<>(combinations.size());
        for (RerateLedger.Combination k : combinations) {
            prices.add(Rerating.changedUnitPrice(new Rerating.Aggregate("", k.modelId(), k.tier(), Dimension.byId(k.dimension()), k.version(),
                    k.quantity(), k.costUsd()), target.card(), v -> catalog.version(v).map(RateCardCatalog.Version::card).orElse(null), problems));
        }
        if (!problems.isEmpty()) {
            List<String> shown = new ArrayList<>(problems);
            throw new Refused(422, "the range cannot be re-rated exactly to " + target.card().version() + ": "
                    + String.join("; ", shown.subList(0, Math.min(20, shown.size()))));
        }
        return prices;
    }

    /** One costmeter.adjusted CloudEvent per key delta, acknowledged by Kafka before the transaction commits. */
    private void publish(RerateLedger.Applied applied) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (RerateLedger.Line line : applied.lines()) {
            ObjectNode event = JSON.createObjectNode();
            event.put("specversion", "1.0");
            event.put("id", applied.id() + "/" + line.source() + "/" + line.modelId() + "/" + line.dimension() + "/" + line.fromVersion() + "/"
                    + line.toVersion());
            event.put("source", "costmeter/rerates/" + applied.id());
            event.put("type", ADJUSTED_TYPE);
            event.put("subject", line.source());
            event.put("time", applied.appliedAt().toString());
            event.put("datacontenttype", "application/json");
            ObjectNode data = event.putObject("data");
            data.put("rerateId", applied.id().toString());
            data.put("reason", applied.reason());
            data.put("appliedBy", applied.appliedBy());
            data.put("from", applied.from().toString());
            data.put("to", applied.to().toString());
            data.put("source", line.source());
            data.put("modelId", line.modelId());
            data.put("dimension", line.dimension());
            data.put("fromRateCardVersion", line.fromVersion());
            data.put("toRateCardVersion", line.toVersion());
            data.put("quantity", Money.plain(line.quantity()));
            data.put("oldCostUsd", Money.plain(line.oldCostUsd()));
            data.put("newCostUsd", Money.plain(line.newCostUsd()));
            data.put("deltaUsd", Money.plain(line.deltaUsd()));
            try {
                sent.add(producer().send(new ProducerRecord<>(config.topics().priced(), line.source().getBytes(StandardCharsets.UTF_8),
                        JSON.writeValueAsBytes(event))));
            } catch (Exception e) {
                throw new Refused(503, "Kafka would not take the costmeter.adjusted events (" + e + "): the re-rate was rolled back and "
                        + "nothing changed; retry with the same id");
            }
        }
        try {
            for (Future<RecordMetadata> ack : sent) {
                ack.get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new Refused(503, "Kafka did not acknowledge the costmeter.adjusted events (" + e + "): the re-rate was rolled back and "
                    + "nothing changed; retry with the same id");
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = kafka.outputProducer();
        }
        return producer;
    }

    void onStop(@Observes ShutdownEvent event) {
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    /**
     * Usage records published before {@code instant} that the ingest has not committed to PostgreSQL:
     * for each partition of the usage topic, from the offset stored in PostgreSQL to the first record
     * published at or after {@code instant} (the end of the partition when there is none).
     */
    long pendingBefore(Instant instant) throws Exception {
        try (Admin admin = Admin.create(kafka.adminProperties())) {
            String topic = config.topics().usage();
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> at = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartition tp : partitions) {
                at.put(tp, OffsetSpec.forTimestamp(instant.toEpochMilli()));
                earliest.put(tp, OffsetSpec.earliest());
                latest.put(tp, OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> atTime = admin.listOffsets(at).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> first = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            Map<SourcePartition, Long> stored = offsets.committedOffsets(config.ingest().consumerGroup(),
                    partitions.stream().map(tp -> new SourcePartition(tp.topic(), tp.partition())).toList());
            long pending = 0;
            for (TopicPartition tp : partitions) {
                long boundary = atTime.get(tp).offset() < 0 ? end.get(tp).offset() : atTime.get(tp).offset();
                Long committed = stored.get(new SourcePartition(tp.topic(), tp.partition()));
                long from = committed == null ? first.get(tp).offset() : committed;
                pending += Math.max(0, boundary - from);
            }
            return pending;
        }
    }
}
