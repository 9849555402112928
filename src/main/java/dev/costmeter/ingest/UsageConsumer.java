package dev.costmeter.ingest;

import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.aggregation.SourcePartition;
import dev.costmeter.aggregation.SpendAggregator;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.decoding.RecordDecoders;
import dev.costmeter.kafka.KafkaClients;
import dev.costmeter.metering.RecordPricing;
import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.publish.PricedEventWriter;
import dev.costmeter.publish.PricedPublisher;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.SpendLedger;
import dev.costmeter.support.Backoff;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * The ingest loop, on one thread that owns the Kafka consumer: read records, decode and price each,
 * and hand full batches (on count or time, whichever comes first) to the commit thread, which
 * writes them through {@link BatchCommitter} while the next batch is read. One batch is in flight
 * at a time, so batches commit in order.
 *
 * <p>Offsets are read from PostgreSQL when partitions are assigned and written there with every
 * batch; pending work is committed before partitions are revoked and dropped when they are lost.
 * A failed commit is rolled back, the batches read after it are dropped, and the partitions are
 * paused until their stored offsets can be read again: a record is never charged twice and never
 * skipped.
 *
 * <p>Nothing stops the loop but a fatal client error (see {@link CommitFailure}): while PostgreSQL
 * or Kafka is away it retries with backoff and resumes by itself; a batch that fails on its own
 * content is halved until the one record that breaks it is found, and that record goes to the DLQ
 * with the failure as its reason. If the loop does end, liveness says so.
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

    private final java.util.function.Supplier<RateCardTimeline> currentTimeline = () -> rateCards.timeline();
    /** Per assigned partition, the offset stored once every batch handed over so far commits. */
    private final Map<SourcePartition, Long> committedPositions = new HashMap<>();
    /** Per assigned partition, the offset PostgreSQL holds now (what lag is measured against). */
    private final Map<SourcePartition, Long> durableOffsets = new HashMap<>();
    /** Partitions whose stored offsets could not be read yet: paused until they are. */
    private final Set<TopicPartition> unpositioned = new HashSet<>();
    private final ExecutorService commitThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "costmeter-commit"));
    /** Writes and sends the priced events on a thread of its own; null when the priced topic is off. */
    private PricedPublisher pricedEvents;
    private RecordPricing pricing;
    private RecordPricing repricing; // used on the commit thread; decoders are not thread-safe
    private RecordRereader rereader; // used on the commit thread; a Kafka consumer is not thread-safe
    private SpendAggregator aggregator;
    private KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaPositions positions = new KafkaPositions(); // before the first batch, which needs it
    private PendingBatch<ConsumerRecord<byte[], byte[]>> batch = newBatch();
    private InFlight inFlight;
    private Thread thread;
    private Backoff backoff;
    private long retryAtNanos;
    /** While a batch is suspected of holding a bad record: the most records a batch may have. */
    private int isolationLimit = Integer.MAX_VALUE;
    private Suspect suspect;
    /** Failures so far: records polled before a failure are not accepted after it. */
    private long failures;
    private volatile boolean running;
    private volatile IngestHealth health = IngestHealth.OK;

    /** The batch being committed on the commit thread. */
    private record InFlight(PendingBatch<ConsumerRecord<byte[], byte[]>> batch, Future<BatchSummary<ConsumerRecord<byte[], byte[]>>> result, long startedNanos) {
    }

    /**
     * Where a Kafka record was read, for the batch (which knows no Kafka type). Records come a
     * partition at a time, so the partition of the record before is given again rather than made anew.
     * Used by the ingest thread only.
     */
    private static final class KafkaPositions implements PendingBatch.Positions<ConsumerRecord<byte[], byte[]>> {
        private SourcePartition last;

        @Override
        public SourcePartition partitionOf(ConsumerRecord<byte[], byte[]> record) {
            SourcePartition partition = last;
            if (partition == null || partition.partition() != record.partition() || !partition.topic().equals(record.topic())) {
                partition = last = new SourcePartition(record.topic(), record.partition());
            }
            return partition;
        }

        @Override
        public long offsetOf(ConsumerRecord<byte[], byte[]> record) {
            return record.offset();
        }
    }

    private PendingBatch<ConsumerRecord<byte[], byte[]>> newBatch() {
        return new PendingBatch<>(committedPositions, positions);
    }

    static SourcePartition source(TopicPartition tp) {
        return new SourcePartition(tp.topic(), tp.partition());
    }

    static TopicPartition kafka(SourcePartition sp) {
        return new TopicPartition(sp.topic(), sp.partition());
    }

    /**
     * The record that a one-record batch failed on, and how often. Once it has failed
     * {@code costmeter.ingest.isolate-after-failures} times alone, it is set aside as invalid.
     */
    private record Suspect(SourcePartition partition, long offset, int failures, String reason) {
        boolean is(ConsumerRecord<byte[], byte[]> record) {
            return record.offset() == offset && record.partition() == partition.partition() && record.topic().equals(partition.topic());
        }
    }

    /**
     * What readiness and liveness report about the loop.
     *
     * @param alive   false once the loop has ended for good (liveness DOWN: restart the process)
     * @param ready   false while commits fail or stored offsets cannot be read
     * @param problem why not, for the health check's data (null when all is well)
     */
    public record IngestHealth(boolean alive, boolean ready, String problem, Instant since) {
        static final IngestHealth OK = new IngestHealth(true, true, null, null);
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.ingest().enabled()) {
            LOG.info("ingest disabled (costmeter.ingest.enabled=false)");
            return;
        }
        pricing = new RecordPricing(decoders.forIngest());
        repricing = new RecordPricing(decoders.forRereading());
        rereader = new RecordRereader(kafka::rereadConsumer);
        if (config.ingest().publishPricedEvents()) {
            pricedEvents = new PricedPublisher(new PricedEventWriter(config.outputs().pricedPayload()), outputs::sendPriced, outputs::pricedSendFailed);
        }
        aggregator = new SpendAggregator(config.aggregation().bucket());
        backoff = new Backoff(config.aggregation().retryBackoff(), config.aggregation().maxRetryBackoff());
        consumer = kafka.usageConsumer();
        running = true;
        thread = new Thread(this, "costmeter-ingest");
        thread.start();
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
        commitThread.submit(rereader::close); // on the thread that used it, after the last commit
        commitThread.shutdown();
        if (pricedEvents != null) {
            pricedEvents.close(10_000);
        }
        outputs.close();
    }

    /** The loop's health; always alive and ready when ingest is disabled. */
    public IngestHealth health() {
        IngestHealth now = health;
        if (running && now.alive() && thread != null && !thread.isAlive()) { // ended without saying why
            return new IngestHealth(false, false, "ingest thread is not running", null);
        }
        Throwable publisherStopped = pricedEvents == null ? null : pricedEvents.stopped();
        if (running && now.alive() && publisherStopped != null) { // no commit can succeed without it
            return new IngestHealth(false, false, "the priced-event publisher stopped: " + publisherStopped, null);
        }
        return now;
    }

    @Override
    public void run() {
        try {
            readPartitions();
            long flushIntervalNanos = config.aggregation().flushInterval().toNanos();
            long flushIntervalBehindNanos = Math.max(flushIntervalNanos, config.aggregation().flushIntervalBehind().toNanos());
            int flushMaxRecords = config.aggregation().flushMaxRecords();
            while (running) {
                try {
                    positionWhenDue();
                    long generation = failures;
                    for (ConsumerRecord<byte[], byte[]> record : poll()) {
                        if (batch.size() >= isolationLimit) { // looking for a bad record: batches no larger than this
                            finishInFlight(true);
                            handOver();
                        }
                        if (failures != generation) {
                            break; // a commit failed: the rest of this poll is read again from the stored offsets
                        }
                        accept(record);
                    }
                    if (pricedEvents != null) {
                        pricedEvents.handOff(); // this poll's priced events go out now, not when a chunk fills
                    }
                    finishInFlight(false);
                    long unread = updateLag();
                    boolean full = batch.size() >= Math.min(flushMaxRecords, isolationLimit);
                    // Caught up, a batch commits after the flush interval (the latency an event waits);
                    // behind, after the longer one: larger batches commit fewer times, update fewer
                    // aggregate rows per event, and catch up sooner.
                    long due = unread > 0 ? flushIntervalBehindNanos : flushIntervalNanos;
                    if (full || batch.ageNanos() >= due) {
                        finishInFlight(full); // a full batch waits for the one in flight; a timed one only if it is done
                        if (inFlight == null) {
                            handOver();
                        }
                    }
                } catch (FatalIngestFailure e) {
                    throw e;
                } catch (PricedPublisher.Stopped e) { // handing over found it gone: as for a commit (CommitFailure), only a restart mends it
                    throw new FatalIngestFailure(e);
                } catch (RuntimeException e) {
                    // Anything unforeseen (a broker error in poll, a callback that failed): drop what is
                    // pending, wait, and read again from the stored offsets. Never end the loop for it.
                    LOG.error("ingest iteration failed; re-reading from the stored offsets after a backoff", e);
                    finishInFlight(true);
                    failed(CommitFailure.TRANSIENT, e);
                }
            }
            commitEverything();
            health = new IngestHealth(true, false, "shutting down", Instant.now());
        } catch (Throwable e) { // a fatal client error, or an Error: nothing this loop can mend
            health = new IngestHealth(false, false, "ingest loop stopped: " + e, Instant.now());
            LOG.error("ingest loop stopped; liveness is DOWN so that the process is restarted", e);
            if (e instanceof Error error && !(e instanceof ThreadDeath)) {
                throw error;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Joins the consumer group, which divides the usage topic's partitions among its instances; or,
     * when {@code costmeter.ingest.partitions} is set, takes exactly those partitions (one cell of a
     * sharded deployment) and positions them from PostgreSQL as an assignment would.
     */
    private void readPartitions() {
        String topic = config.topics().usage();
        Optional<List<Integer>> fixed = config.ingest().partitions();
        if (fixed.isEmpty()) {
            consumer.subscribe(List.of(topic), new OffsetsInPostgres());
            return;
        }
        Set<Integer> existing = new HashSet<>();
        while (running && existing.isEmpty()) { // a broker away at startup is waited for, as everywhere else
            String problem;
            try {
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> existing.add(p.partition()));
                problem = existing.isEmpty() ? "the topic does not exist" : null;
            } catch (WakeupException e) {
                return; // shutting down
            } catch (KafkaException e) {
                problem = describe(e);
            }
            if (problem != null) {
                long wait = backoff.nextNanos();
                notReady("cannot read the partitions of " + topic + ": " + problem, wait);
                LOG.warnf("cannot read the partitions of %s (%s); next try in %s", topic, problem, Duration.ofNanos(wait));
                for (long until = System.nanoTime() + wait; running && System.nanoTime() < until; ) {
                    LockSupport.parkNanos(Math.min(until - System.nanoTime(), 100_000_000L)); // a shutdown need not wait out the backoff
                }
            }
        }
        if (!running) {
            return;
        }
        backoff.reset();
        health = IngestHealth.OK;
        List<Integer> missing = fixed.get().stream().filter(p -> !existing.contains(p)).toList();
        if (!missing.isEmpty()) {
            throw new FatalIngestFailure(new IllegalArgumentException("costmeter.ingest.partitions names partitions " + missing + " that "
                    + topic + " does not have (it has " + existing.size() + ")"));
        }
        List<TopicPartition> mine = fixed.get().stream().distinct().map(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(mine);
        new OffsetsInPostgres().onPartitionsAssigned(mine);
        LOG.infof("reading partitions %s of %s (costmeter.ingest.partitions), not sharing them in a consumer group", fixed.get(), topic);
    }

    /** Readiness DOWN for this reason, retried after {@code waitNanos}; since when is kept across retries. */
    private void notReady(String problem, long waitNanos) {
        IngestHealth before = health;
        health = new IngestHealth(true, false, problem + "; retrying in " + Duration.ofNanos(waitNanos),
                before.ready() ? Instant.now() : before.since());
    }

    /** A failure no retry can mend: the loop ends and liveness goes DOWN. */
    static final class FatalIngestFailure extends RuntimeException {
        FatalIngestFailure(Throwable cause) {
            super("unrecoverable: " + cause, cause);
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
        if (suspect != null && suspect.failures() >= config.ingest().isolateAfterFailures() && suspect.is(record)) {
            batch.reject(record, suspect.reason());
            return;
        }
        RecordPricing.Outcome outcome;
        try {
            outcome = pricing.price(record.headers(), record.value(), batch.timeline(currentTimeline));
        } catch (InvalidEventException e) {
            batch.reject(record, e.getMessage());
            return;
        }
        UsageEvent event = outcome.event();
        UUID key = outcome.key();
        long fingerprint = outcome.fingerprint();
        if (batch.claim(key, fingerprint, record) == PendingBatch.ClaimOutcome.REPEAT) { // the same key twice in one batch
            PendingBatch.Claim first = batch.claimOf(key);
            String cost = first.sameContentAs(fingerprint) ? first.costText()
                    : outcome.result() instanceof PricingResult.Priced p ? "$" + p.pricedEvent().totalUsd().toPlainString() : "unpriced";
            batch.repeat(new PendingBatch.Repeat<>(key, event.source(), event.id(), fingerprint, cost, record));
            return;
        }
        if (outcome.result() instanceof PricingResult.Priced p) {
            aggregator.add(batch, p.pricedEvent());
            batch.charged(key, p.pricedEvent().totalUsd(), record);
            if (pricedEvents != null) {
                pricedEvents.publish(p.pricedEvent(), outcome.selfContained(), record.topic(), record.partition(), record.offset());
            }
        } else {
            batch.unpriced(key, (PricingResult.Unpriced) outcome.result(), record, outcome.selfContained());
        }
    }

    /**
     * Prices a record again, for a commit that finds the event was charged in an earlier batch and
     * must take its lines back out. Pricing is pure, so the lines are the same.
     */
    private PricedEvent reprice(ConsumerRecord<byte[], byte[]> record, RateCardTimeline timeline) {
        try {
            return ((PricingResult.Priced) repricing.price(record.headers(), record.value(), timeline).result()).pricedEvent();
        } catch (InvalidEventException | ClassCastException e) {
            throw new IllegalStateException("an event priced once did not price again the same way", e);
        }
    }

    /** Starts committing the pending batch on the commit thread. */
    private void handOver() {
        if (batch.isEmpty()) {
            return;
        }
        PendingBatch<ConsumerRecord<byte[], byte[]>> committing = batch;
        committedPositions.putAll(committing.nextOffsets()); // what the store will say once it commits
        batch = newBatch();
        String group = config.ingest().consumerGroup();
        PricedPublisher.HandedOver priced = pricedEvents == null ? PricedPublisher.HandedOver.NOTHING : pricedEvents.handOff();
        inFlight = new InFlight(committing, commitThread.submit(() -> committer.commit(committing, priced, aggregator, rereader::read,
                record -> reprice(record, committing.timeline()), group)),
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
            BatchSummary<ConsumerRecord<byte[], byte[]>> summary = done.result().get();
            metrics.recordCommitted(summary, System.nanoTime() - done.startedNanos());
            committed(done.batch());
            Map<TopicPartition, OffsetAndMetadata> forLagTools = new HashMap<>();
            done.batch().nextOffsets().forEach((sp, offset) -> forLagTools.put(kafka(sp), new OffsetAndMetadata(offset)));
            consumer.commitAsync(forLagTools, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(CommitFailure.STALE, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            CommitFailure kind = CommitFailure.of(cause, ledger::isReachable);
            if (kind == CommitFailure.FATAL) {
                throw new FatalIngestFailure(cause);
            }
            if (kind == CommitFailure.SUSPECT) {
                suspect(done.batch(), cause);
            }
            if (kind != CommitFailure.STALE) {
                metrics.recordFlushFailure();
                LOG.errorf(cause, "commit of %d records failed (%s) and was rolled back; re-reading from the stored offsets",
                        done.batch().size(), kind.name().toLowerCase(java.util.Locale.ROOT));
            }
            failed(kind, cause);
        }
    }

    /** A batch is durable: offsets, health, and the isolation of a bad record move on. */
    private void committed(PendingBatch<?> done) {
        durableOffsets.putAll(done.nextOffsets());
        backoff.reset();
        health = IngestHealth.OK;
        if (isolationLimit != Integer.MAX_VALUE) { // the suspect batch's good part went through: grow again
            isolationLimit = isolationLimit >= config.aggregation().flushMaxRecords() / 2 ? Integer.MAX_VALUE : isolationLimit * 2;
        }
        if (suspect != null) {
            Long durable = durableOffsets.get(suspect.partition());
            if (durable != null && durable > suspect.offset()) {
                suspect = null;
            }
        }
    }

    /**
     * A batch failed on something in it, not on a dependency: halve the batches until one record
     * fails alone, and set that one aside once it has failed alone often enough to be sure.
     */
    private void suspect(PendingBatch<?> failed, Throwable cause) {
        if (failed.size() > 1) {
            isolationLimit = Math.max(1, failed.size() / 2);
            LOG.warnf("looking for the record that fails the commit: batches of at most %d records until it is found", isolationLimit);
            return;
        }
        isolationLimit = 1;
        Map.Entry<SourcePartition, Long> only = failed.nextOffsets().entrySet().iterator().next();
        long offset = only.getValue() - 1;
        int failures = suspect != null && suspect.partition().equals(only.getKey()) && suspect.offset() == offset ? suspect.failures() + 1 : 1;
        String reason = "the commit failed " + failures + " times on this record alone, so it is set aside: " + describe(cause);
        suspect = new Suspect(only.getKey(), offset, failures, reason);
        if (failures >= config.ingest().isolateAfterFailures()) {
            LOG.errorf("record %s@%d makes every commit fail; it goes to the DLQ: %s", only.getKey(), offset, describe(cause));
        }
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root == cause ? String.valueOf(cause) : cause + " caused by " + root;
        return message.length() <= 1000 ? message : message.substring(0, 1000) + "…";
    }

    /**
     * After a failure: drop what is pending, pause every partition, and read the stored offsets again
     * once the backoff has passed (at once for a stale batch, soon for a suspect one).
     */
    private void failed(CommitFailure kind, Throwable cause) {
        failures++;
        batch = newBatch();
        Set<TopicPartition> assigned = consumer.assignment();
        unpositioned.addAll(assigned);
        consumer.pause(assigned);
        long wait = switch (kind) {
            case STALE -> 0;
            case SUSPECT -> config.aggregation().retryBackoff().toNanos();
            default -> backoff.nextNanos();
        };
        retryAtNanos = System.nanoTime() + wait;
        if (kind != CommitFailure.STALE) {
            notReady("commits are failing (" + kind.name().toLowerCase(java.util.Locale.ROOT) + "): " + describe(cause), wait);
        }
    }

    /** Commits everything read so far, waiting for it. */
    private void commitEverything() {
        finishInFlight(true);
        handOver();
        finishInFlight(true);
    }

    /**
     * Seeks the partitions that have no position to the offsets stored in PostgreSQL and resumes
     * them; while PostgreSQL cannot say, they stay paused and this is tried again after a backoff.
     */
    private void positionWhenDue() {
        if (unpositioned.isEmpty() || System.nanoTime() < retryAtNanos) {
            return;
        }
        unpositioned.retainAll(consumer.assignment());
        try {
            Map<SourcePartition, Long> stored = ledger.committedOffsets(config.ingest().consumerGroup(),
                    unpositioned.stream().map(UsageConsumer::source).toList());
            for (TopicPartition tp : unpositioned) {
                SourcePartition sp = source(tp);
                Long offset = stored.get(sp);
                if (offset != null) {
                    consumer.seek(tp, offset);
                    committedPositions.put(sp, offset);
                    durableOffsets.put(sp, offset);
                } else {
                    consumer.seekToBeginning(List.of(tp));
                    committedPositions.remove(sp);
                    durableOffsets.remove(sp);
                }
            }
            consumer.resume(unpositioned);
            unpositioned.clear();
        } catch (Exception e) {
            long wait = backoff.nextNanos();
            retryAtNanos = System.nanoTime() + wait;
            notReady("cannot read the stored offsets from PostgreSQL: " + describe(e), wait);
            LOG.warnf("cannot read the stored offsets from PostgreSQL (%s); partitions stay paused, next try in %s", e, Duration.ofNanos(wait));
        }
    }

    /**
     * Publishes the records waiting, measured from the offsets committed in PostgreSQL (not from
     * what this consumer has read): a pipeline that reads but cannot commit shows its backlog
     * growing. Returns the records in the partitions not yet read at all (0 when caught up).
     */
    private long updateLag() {
        long lag = 0;
        long unread = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong partitionLag = consumer.currentLag(tp);
            if (partitionLag.isEmpty()) {
                continue;
            }
            unread += partitionLag.getAsLong();
            long end = consumer.position(tp) + partitionLag.getAsLong();
            Long durable = durableOffsets.get(source(tp));
            lag += durable == null ? partitionLag.getAsLong() : Math.max(0, end - durable);
        }
        metrics.setConsumerLag(lag);
        return unread;
    }

    /** Deletes event keys older than the dedup window, off the ingest thread, in small transactions. */
    @Scheduled(identity = "dedup-cleanup", delayed = "60s", every = "${costmeter.dedup.cleanup-interval:PT1H}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void forgetOldEventKeys() {
        if (!running) {
            return;
        }
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

    /** Partition ownership changes, handled on the polling thread. */
    private final class OffsetsInPostgres implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commitEverything(); // commit what was read while the partitions were still ours
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another consumer owns them now and re-reads them from the stored offsets; a batch in
            // flight for them fails its offset check. Everything pending is dropped and the
            // partitions we keep are rewound, so none of their records is skipped.
            finishInFlight(true);
            forget(partitions);
            failed(CommitFailure.STALE, new IllegalStateException("partitions lost: " + partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            consumer.pause(partitions);
            unpositioned.addAll(partitions);
            retryAtNanos = System.nanoTime();
            positionWhenDue();
        }

        private void forget(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> committedPositions.remove(source(tp)));
            partitions.forEach(tp -> durableOffsets.remove(source(tp)));
            unpositioned.removeAll(partitions);
        }
    }
}
