package dev.costmeter.aggregation;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a commit writes once duplicates are settled: the aggregates of the events charged for the
 * first time, the events to publish or quarantine, and how many records had each outcome.
 */
public record BatchSummary<R>(
        Map<AggregateKey, AggregateSums> aggregates,
        Map<InteractionSums.Key, InteractionSums> interactions,
        long pricedWithoutUsage,
        List<PendingBatch.Charged<R>> priced,
        List<PendingBatch.Unpriced<R>> unpriced,
        List<PendingBatch.Rejected<R>> invalid,
        List<PendingBatch.Rejected<R>> conflicts,
        EnumMap<EventOutcome, Long> outcomes) {

    public long count(EventOutcome outcome) {
        return outcomes.getOrDefault(outcome, 0L);
    }
}
