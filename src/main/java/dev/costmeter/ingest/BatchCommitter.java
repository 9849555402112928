package dev.costmeter.ingest;

import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.aggregation.SpendAggregator;
import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.metrics.SpendMetrics.FlushStep;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.publish.PricedPublisher;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.storage.SpendLedger;
import dev.costmeter.storage.StaleBatchException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * One flush, in one transaction: move the stored offsets (refusing a stale batch), charge each
 * event key once, add the aggregates, count the outcomes, and publish the outputs (the batch's priced
 * events and the rest, acknowledged before the commit). If any
 * step fails nothing is committed and the batch is read again from the stored offsets.
 */
@ApplicationScoped
public class BatchCommitter {

    @Inject
    SpendLedger ledger;

    @Inject
    UsageOutputs outputs;

    @Inject
    SpendMetrics metrics;

    @Transactional(rollbackOn = Exception.class)
    public BatchSummary<ConsumerRecord<byte[], byte[]>> commit(PendingBatch<ConsumerRecord<byte[], byte[]>> batch, PricedPublisher.HandedOver pricedEvents,
                                                               SpendAggregator aggregator,
                                                               Function<List<PendingBatch.Charged<ConsumerRecord<byte[], byte[]>>>, List<ConsumerRecord<byte[], byte[]>>> readAgain,
                                                               Function<ConsumerRecord<byte[], byte[]>, PricedEvent> reprice,
                                                               String consumerGroup) throws SQLException, UsageOutputs.OutputException, StaleBatchException {
        long started = System.nanoTime();
        ledger.advanceOffsets(consumerGroup, batch.storedOffsetsBefore(), batch.nextOffsets());
        started = stepDone(FlushStep.OFFSETS, started);
        Map<UUID, PendingBatch.Claim> seenBefore = ledger.registerEventKeys(batch.claims());
        started = stepDone(FlushStep.DEDUP, started);
        BatchSummary<ConsumerRecord<byte[], byte[]>> summary = aggregator.settle(batch, seenBefore, readAgain, reprice);
        outputs.send(summary); // travels while PostgreSQL works
        started = stepDone(FlushStep.SETTLE, started);
        ledger.addAggregates(summary.aggregates());
        ledger.addInteractions(summary.interactions());
        ledger.quarantine(summary.unpriced());
        ledger.addOutcomes(summary.outcomes(), summary.pricedWithoutUsage());
        started = stepDone(FlushStep.LEDGER, started);
        pricedEvents.awaitSent(); // the batch's priced events are the producer's, so its flush covers them
        outputs.awaitAcknowledged();
        stepDone(FlushStep.ACKNOWLEDGEMENTS, started);
        return summary;
    }

    private long stepDone(FlushStep step, long startedNanos) {
        long now = System.nanoTime();
        metrics.recordFlushStep(step, now - startedNanos);
        return now;
    }
}
