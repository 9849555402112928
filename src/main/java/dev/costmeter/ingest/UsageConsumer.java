package dev.costmeter.ingest;

import dev.costmeter.aggregation.BatchCommitter;
import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.EventKey;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.aggregation.SpendAggregator;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.formats.UsageRecordDecoder;
import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.publish.PricedEventWriter;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.SpendLedger;
import dev.costmeter.support.Daemons;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The ingest loop, on one thread that owns the Kafka consumer: read records, decode and price each,
 * and hand full batches (on count or time, whichever comes first) to the commit thread, which
 * writes them through {@link BatchCommitter} while the next batch is read. One batch is in flight
 * at a time, so batches commit in order.
 *
 * <p>Offsets are read from PostgreSQL when partitions are assigned and written there with every
 * batch; pending work is committed before partitions are revoked and dropped when they are lost.
 * A failed commit is rolled back, the batches read after it are dropped, and the partitions are
 * rewound to the stored offsets: a record is never charged twice and never skipped.
 */
@ApplicationScoped
public class UsageConsumer implements Runnable {

    private static final Logger LOG = Logger.getLogger(UsageConsumer.class);

    @Inject
    CostmeterConfig config;
    @Inject
    KafkaClients kafka;
    @Inject
    RateCardCatalog rateCards;
    @Inject
    BatchCommitter committer;
    @Inject
    SpendLedger ledger;
    @Inject
    UsageOutputs outputs;
    @Inject
    SpendMetrics metrics;
    @Inject
    RecordDecoders decoders;

    private final Pricer pricer = new Pricer();
    private final java.util.function.Supplier<RateCardTimeline> currentTimeline = () -> rateCards.timeline();
    private final EventKey eventKey = new EventKey();
    /** Per assigned partition, the offset stored once every batch handed over so far commits. */
    private final Map<TopicPartition, Long> committedPositions = new HashMap<>();
    private final ExecutorService commitThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "costmeter-commit"));
    private final PricedEventWriter pricedEvents = new PricedEventWriter();
    private UsageRecordDecoder decoder;
    private UsageRecordDecoder repriceDecoder; // used on the commit thread; decoders are not thread-safe
    private boolean publishPriced;
    private SpendAggregator aggregator;
    private KafkaConsumer<byte[], byte[]> consumer;
    private PendingBatch batch = new PendingBatch(committedPositions);
    private InFlight inFlight;
    private Thread thread;
    private volatile boolean running;
    private volatile boolean healthy = true;
    private final ScheduledExecutorService dedupCleanup = Daemons.scheduler("costmeter-dedup-cleanup");

    /** The batch being committed on the commit thread. */
    private record InFlight(PendingBatch batch, Future<BatchSummary> result, long startedNanos) {
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.ingest().enabled()) {
            LOG.info("ingest disabled (costmeter.ingest.enabled=false)");
            return;
        }
        decoder = decoders.forIngest();
        repriceDecoder = decoders.forRereading();
        publishPriced = config.ingest().publishPricedEvents();
        aggregator = new SpendAggregator(config.aggregation().bucket());
        consumer = kafka.usageConsumer();
        running = true;
        thread = new Thread(this, "costmeter-ingest");
        thread.start();
        long cleanupSeconds = config.dedup().cleanupInterval().toSeconds();
        dedupCleanup.scheduleWithFixedDelay(this::forgetOldEventKeys, 60, cleanupSeconds, TimeUnit.SECONDS);
        LOG.infof("consuming %s at %s as group %s", config.topics().usage(), kafka.bootstrapServers(), config.ingest().consumerGroup());
    }

    void onStop(@Observes @Priority(1) ShutdownEvent event) {
        if (thread == null) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commitThread.shutdown();
        dedupCleanup.shutdownNow();
        outputs.close();
    }

    /** False while commits to PostgreSQL/Kafka are failing (readiness). */
    public boolean isHealthy() {
        return healthy;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(config.topics().usage()), new OffsetsInPostgres());
            long flushIntervalNanos = config.aggregation().flushInterval().toNanos();
            int flushMaxRecords = config.aggregation().flushMaxRecords();
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : poll()) {
                    accept(record);
                }
                finishInFlight(false);
                boolean full = batch.size() >= flushMaxRecords;
                if (full || batch.ageNanos() >= flushIntervalNanos) {
                    finishInFlight(full); // a full batch waits for the one in flight; a timed one only if it is done
                    if (inFlight == null) {
                        handOver();
                    }
                }
                updateLag();
            }
            commitEverything();
        } catch (RuntimeException e) {
            healthy = false;
            LOG.error("ingest loop stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private Iterable<ConsumerRecord<byte[], byte[]>> poll() {
        try {
            return consumer.poll(Duration.ofMillis(100));
        } catch (WakeupException e) {
            return List.of();
        }
    }

    /** Decode, price and sum one record into the pending batch. Nothing is written yet. */
    void accept(ConsumerRecord<byte[], byte[]> record) {
        UsageRecordDecoder.Decoded decoded;
        try {
            decoded = decoder.decode(record.headers(), record.value());
        } catch (InvalidEventException e) {
            batch.reject(record, e.getMessage());
            return;
        }
        UsageEvent event = decoded.event();
        UUID key = eventKey.of(event.source(), event.id());
        if (!batch.claim(key, record)) {
            return; // the same event twice in one batch
        }
        PricingResult result = pricer.price(event, batch.timeline(currentTimeline).cardAt(event.time()));
        if (result instanceof PricingResult.Priced p) {
            aggregator.add(batch, p.pricedEvent());
            batch.charged(key, decoded.selfContained());
            if (publishPriced) {
                outputs.sendPriced(event.id().getBytes(StandardCharsets.UTF_8), pricedEvents.write(p.pricedEvent(), decoded.selfContained()));
            }
        } else {
            batch.unpriced(key, (PricingResult.Unpriced) result, record, decoded.selfContained());
        }
    }

    /**
     * Prices a record value again, for a commit that finds the event was charged in an earlier
     * batch and must take its lines back out. Pricing is pure, so the lines are the same.
     */
    private PricedEvent reprice(byte[] value, RateCardTimeline timeline) {
        try {
            UsageEvent event = repriceDecoder.decode(value).event();
            return ((PricingResult.Priced) pricer.price(event, timeline.cardAt(event.time()))).pricedEvent();
        } catch (InvalidEventException | ClassCastException e) {
            throw new IllegalStateException("an event priced once did not price again the same way", e);
        }
    }

    /** Starts committing the pending batch on the commit thread. */
    private void handOver() {
        if (batch.isEmpty()) {
            return;
        }
        PendingBatch committing = batch;
        committedPositions.putAll(committing.nextOffsets()); // what the store will say once it commits
        batch = new PendingBatch(committedPositions);
        String group = config.ingest().consumerGroup();
        inFlight = new InFlight(committing, commitThread.submit(() -> committer.commit(committing, aggregator,
                value -> reprice(value, committing.timeline()), group)),
                System.nanoTime());
    }

    /**
     * Takes the result of the batch in flight, if there is one and it is done (or {@code wait}).
     * On failure, everything read after the last stored offsets is dropped and read again.
     */
    private void finishInFlight(boolean wait) {
        if (inFlight == null || (!wait && !inFlight.result().isDone())) {
            return;
        }
        InFlight done = inFlight;
        inFlight = null;
        try {
            BatchSummary summary = done.result().get();
            metrics.recordCommitted(summary, System.nanoTime() - done.startedNanos());
            healthy = true;
            Map<TopicPartition, OffsetAndMetadata> forLagTools = new HashMap<>();
            done.batch().nextOffsets().forEach((tp, offset) -> forLagTools.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitAsync(forLagTools, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rewind(consumer.assignment());
        } catch (ExecutionException e) {
            healthy = false;
            metrics.recordFlushFailure();
            LOG.errorf(e.getCause(), "commit of %d records failed and was rolled back; re-reading from the stored offsets in %s",
                    done.batch().size(), config.aggregation().retryBackoff());
            sleep(config.aggregation().retryBackoff());
            rewind(consumer.assignment());
        }
    }

    /** Commits everything read so far, waiting for it. */
    private void commitEverything() {
        finishInFlight(true);
        handOver();
        finishInFlight(true);
    }

    /** Drops what is pending and seeks the partitions back to the offsets stored in PostgreSQL. */
    private void rewind(Collection<TopicPartition> partitions) {
        batch = new PendingBatch(committedPositions);
        seekToStoredOffsets(partitions);
    }

    private void seekToStoredOffsets(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        try {
            Map<TopicPartition, Long> stored = ledger.committedOffsets(config.ingest().consumerGroup(), partitions);
            for (TopicPartition tp : partitions) {
                Long offset = stored.get(tp);
                if (offset != null) {
                    consumer.seek(tp, offset);
                    committedPositions.put(tp, offset);
                } else {
                    consumer.seekToBeginning(List.of(tp));
                    committedPositions.remove(tp);
                }
            }
        } catch (Exception e) {
            // Without the stored offsets we cannot know where to resume: stop rather than guess.
            throw new IllegalStateException("cannot read stored offsets from PostgreSQL", e);
        }
    }

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong partitionLag = consumer.currentLag(tp);
            lag += partitionLag.orElse(0);
        }
        metrics.setConsumerLag(lag);
    }

    /** Deletes event keys older than the dedup window, off the ingest thread, in small transactions. */
    private void forgetOldEventKeys() {
        try {
            long forgotten = 0;
            int deleted;
            do {
                deleted = ledger.forgetEventKeysSeenBefore(Instant.now().minus(config.dedup().window()), 10_000);
                forgotten += deleted;
            } while (deleted > 0 && running);
            if (forgotten > 0) {
                LOG.infof("forgot %d event keys older than the dedup window of %s", forgotten, config.dedup().window());
            }
        } catch (Exception e) {
            LOG.warn("could not delete expired event keys; will try again", e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Partition ownership changes, handled on the polling thread. */
    private final class OffsetsInPostgres implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commitEverything(); // commit what was read while the partitions were still ours
            partitions.forEach(committedPositions::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another consumer owns them now and re-reads them from the stored offsets; a batch in
            // flight for them fails its offset check. Everything pending is dropped and the
            // partitions we keep are rewound, so none of their records is skipped.
            finishInFlight(true);
            partitions.forEach(committedPositions::remove);
            List<TopicPartition> kept = consumer.assignment().stream().filter(tp -> !partitions.contains(tp)).toList();
            rewind(kept);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            seekToStoredOffsets(partitions);
        }
    }
}
