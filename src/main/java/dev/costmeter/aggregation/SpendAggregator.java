package dev.costmeter.aggregation;

import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.UsageEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Sums a batch of priced events into time-bucketed aggregates, charging each idempotency key once.
 * Pure: which keys are new is decided by the caller (against the ledger of keys already seen).
 */
public final class SpendAggregator {

    private final long bucketSeconds;

    public SpendAggregator(Duration bucket) {
        if (bucket.isNegative() || bucket.isZero() || bucket.toNanosPart() != 0 || 86_400 % bucket.toSeconds() != 0) {
            throw new IllegalArgumentException("aggregation bucket must be a whole number of seconds that divides a day, was " + bucket);
        }
        this.bucketSeconds = bucket.toSeconds();
    }

    /**
     * @param firstSeen the keys of this batch that the ledger had never seen; any other accepted
     *                  event, and any repeat of a key within the batch, is a duplicate
     */
    public BatchSummary summarize(PendingBatch batch, Set<UUID> firstSeen) {
        Map<AggregateKey, AggregateSums> aggregates = new HashMap<>();
        List<PendingBatch.Accepted> priced = new ArrayList<>();
        List<PendingBatch.Accepted> unpriced = new ArrayList<>();
        Set<UUID> charged = new HashSet<>(firstSeen.size() * 2);
        long duplicates = 0;
        for (PendingBatch.Accepted accepted : batch.accepted()) {
            if (!firstSeen.contains(accepted.key()) || !charged.add(accepted.key())) {
                duplicates++;
            } else if (accepted.result() instanceof PricingResult.Priced p) {
                priced.add(accepted);
                addLines(aggregates, p.pricedEvent());
            } else {
                unpriced.add(accepted);
            }
        }
        EnumMap<EventOutcome, Long> outcomes = new EnumMap<>(EventOutcome.class);
        outcomes.put(EventOutcome.PRICED, (long) priced.size());
        outcomes.put(EventOutcome.DUPLICATE, duplicates);
        outcomes.put(EventOutcome.INVALID, (long) batch.rejected().size());
        outcomes.put(EventOutcome.UNPRICED, (long) unpriced.size());
        return new BatchSummary(aggregates, priced, unpriced, batch.rejected(), outcomes);
    }

    private void addLines(Map<AggregateKey, AggregateSums> aggregates, PricedEvent priced) {
        UsageEvent event = priced.event();
        Instant bucketStart = bucketStart(event.time());
        for (CostLine line : priced.lines()) {
            AggregateKey key = new AggregateKey(bucketStart, event.source(), event.subject(), priced.baseModelId(),
                    priced.region(), event.serviceTier(), line.dimension().id(), priced.rateCardVersion());
            aggregates.computeIfAbsent(key, k -> new AggregateSums()).add(line.quantity(), line.costUsd());
        }
    }

    Instant bucketStart(Instant time) {
        long seconds = time.getEpochSecond();
        return Instant.ofEpochSecond(seconds - Math.floorMod(seconds, bucketSeconds));
    }
}
