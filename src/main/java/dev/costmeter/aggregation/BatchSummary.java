package dev.costmeter.aggregation;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a commit writes once duplicates are settled: the aggregates of the events charged for the
 * first time, the events to publish or quarantine, and how many records had each outcome.
 */
public record BatchSummary(
        Map<AggregateKey, AggregateSums> aggregates,
        Map<InteractionSums.Key, InteractionSums> interactions,
        long pricedWithoutUsage,
        List<PendingBatch.Charged> priced,
        List<PendingBatch.Unpriced> unpriced,
        List<PendingBatch.Rejected> invalid,
        List<PendingBatch.Rejected> conflicts,
        EnumMap<EventOutcome, Long> outcomes) {

    public long count(EventOutcome outcome) {
        return outcomes.getOrDefault(outcome, 0L);
    }
}
