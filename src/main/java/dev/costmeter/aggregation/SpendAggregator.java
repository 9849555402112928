package dev.costmeter.aggregation;

import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.UsageEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Sums priced events into time-bucketed aggregates, and settles a batch once the ledger has said
 * which of its event keys were charged before. Pure: no I/O.
 */
public final class SpendAggregator {

    private final long bucketSeconds;

    public SpendAggregator(Duration bucket) {
        if (bucket.isNegative() || bucket.isZero() || bucket.toNanosPart() != 0 || 86_400 % bucket.toSeconds() != 0) {
            throw new IllegalArgumentException("aggregation bucket must be a whole number of seconds that divides a day, was " + bucket);
        }
        this.bucketSeconds = bucket.toSeconds();
    }

    /** The event type of a model call: what counts toward an interaction's model calls. */
    public static final String MODEL_CALL_TYPE = "bedrock.invocation";

    /** Adds each cost line of the event to its aggregate row, and the event to its interaction. */
    public void add(PendingBatch<?> batch, PricedEvent priced) {
        if (priced.lines().isEmpty()) {
            batch.countWithoutUsage(1);
        } else {
            // One lookup for all the event's lines (they differ only in dimension), not one per line.
            AggregateKey.Attribution attribution = attribution(priced);
            AggregateSums[] rows = batch.rowsOf(attribution);
            for (CostLine line : priced.lines()) {
                batch.row(rows, attribution, line.dimension()).add(line.quantity(), line.costUsd());
            }
        }
        addInteraction(batch.interactions(), priced);
    }

    public void add(Map<AggregateKey, AggregateSums> aggregates, Map<InteractionSums.Key, InteractionSums> interactions,
                    PricedEvent priced) {
        AggregateKey.Attribution attribution = attribution(priced);
        for (CostLine line : priced.lines()) {
            aggregates.computeIfAbsent(attribution.with(line.dimension().id()), k -> new AggregateSums()).add(line.quantity(), line.costUsd());
        }
        addInteraction(interactions, priced);
    }

    private static void addInteraction(Map<InteractionSums.Key, InteractionSums> interactions, PricedEvent priced) {
        UsageEvent event = priced.event();
        if (event.interactionId() != null) {
            interactions.computeIfAbsent(new InteractionSums.Key(event.source(), event.interactionId()), k -> new InteractionSums())
                    .add(event.time(), MODEL_CALL_TYPE.equals(event.type()), priced.totalUsd());
        }
    }

    /**
     * Takes the events whose keys the ledger had already charged back out of the batch.
     *
     * @param seenBefore keys of this batch that earlier batches charged, with what the ledger kept of
     *                   them: the same content is a duplicate, other content a conflict
     * @param readAgain  the records of those charged events, read again from where they were read
     *                   (the batch keeps only that), in the order asked; called once, and only when
     *                   some charged event's key was seen before
     * @param reprice    prices a record again, exactly as when it was read (pricing is pure), so that
     *                   a duplicate's lines can be subtracted
     */
    public <R> BatchSummary<R> settle(PendingBatch<R> batch, Map<UUID, PendingBatch.Claim> seenBefore,
                                      Function<List<PendingBatch.Charged<R>>, List<R>> readAgain, Function<R, PricedEvent> reprice) {
        Map<AggregateKey, AggregateSums> aggregates = batch.aggregates();
        List<PendingBatch.Charged<R>> priced = batch.charged();
        List<PendingBatch.Unpriced<R>> unpriced = batch.unpriced();
        List<PendingBatch.Rejected<R>> conflicts = new ArrayList<>();
        long duplicates = 0;
        if (!seenBefore.isEmpty()) {
            priced = new ArrayList<>(priced.size());
            List<PendingBatch.Charged<R>> chargedBefore = new ArrayList<>();
            for (PendingBatch.Charged<R> charged : batch.charged()) {
                (seenBefore.containsKey(charged.key()) ? chargedBefore : priced).add(charged);
            }
            List<R> records = chargedBefore.isEmpty() ? List.of() : readAgain.apply(chargedBefore);
            for (int i = 0; i < chargedBefore.size(); i++) {
                PendingBatch.Charged<R> charged = chargedBefore.get(i);
                PendingBatch.Claim earlier = seenBefore.get(charged.key());
                PricedEvent again = reprice.apply(records.get(i));
                subtract(batch, again);
                if (earlier.sameContentAs(batch.claimOf(charged.key()).contentFingerprint())) {
                    duplicates++;
                } else {
                    conflicts.add(new PendingBatch.Rejected<>(records.get(i), conflictReason(again.event().source(), again.event().id(),
                            earlier, "$" + again.totalUsd().toPlainString())));
                }
            }
            unpriced = new ArrayList<>(unpriced.size());
            for (PendingBatch.Unpriced<R> u : batch.unpriced()) {
                PendingBatch.Claim earlier = seenBefore.get(u.key());
                if (earlier == null) {
                    unpriced.add(u);
                } else if (earlier.sameContentAs(batch.claimOf(u.key()).contentFingerprint())) {
                    duplicates++;
                } else {
                    conflicts.add(new PendingBatch.Rejected<>(u.record(), conflictReason(u.result().event().source(), u.result().event().id(),
                            earlier, "unpriced")));
                }
            }
            aggregates.values().removeIf(sums -> sums.events() == 0);
            batch.interactions().values().removeIf(sums -> sums.events() == 0);
        }
        for (PendingBatch.Repeat<R> r : batch.repeats()) { // compared with what is charged: an earlier batch's, else this batch's first
            PendingBatch.Claim charged = seenBefore.getOrDefault(r.key(), batch.claimOf(r.key()));
            if (charged.sameContentAs(r.contentFingerprint())) {
                duplicates++;
            } else {
                conflicts.add(new PendingBatch.Rejected<>(r.record(), conflictReason(r.source(), r.id(), charged, r.costText())));
            }
        }
        EnumMap<EventOutcome, Long> outcomes = new EnumMap<>(EventOutcome.class);
        outcomes.put(EventOutcome.PRICED, (long) priced.size());
        outcomes.put(EventOutcome.DUPLICATE, duplicates);
        outcomes.put(EventOutcome.INVALID, (long) batch.rejected().size());
        outcomes.put(EventOutcome.UNPRICED, (long) unpriced.size());
        outcomes.put(EventOutcome.CONFLICT, (long) conflicts.size());
        return new BatchSummary<>(aggregates, batch.interactions(), batch.pricedWithoutUsage(), priced, unpriced, batch.rejected(),
                conflicts, outcomes);
    }

    /**
     * Why a record whose (source, id) was charged before with other content is not charged: the
     * first delivery read is the one charged; both costs are given so a person can decide.
     */
    public static String conflictReason(String source, String id, PendingBatch.Claim charged, String thisCost) {
        return "conflict: an event with source \"" + source + "\" and id \"" + id
                + "\" was already charged with other content (charged: " + charged.costText() + "; this delivery: " + thisCost
                + "). It is not charged; if it is the correct one, correct the charge and publish it under a new id";
    }

    private void subtract(PendingBatch<?> batch, PricedEvent priced) {
        Map<AggregateKey, AggregateSums> aggregates = batch.aggregates();
        if (priced.lines().isEmpty()) {
            batch.countWithoutUsage(-1);
        }
        UsageEvent event = priced.event();
        if (event.interactionId() != null) {
            batch.interactions().get(new InteractionSums.Key(event.source(), event.interactionId()))
                    .subtract(MODEL_CALL_TYPE.equals(event.type()), priced.totalUsd());
        }
        AggregateKey.Attribution attribution = attribution(priced);
        for (CostLine line : priced.lines()) {
            AggregateSums sums = aggregates.get(attribution.with(line.dimension().id()));
            if (sums == null) {
                throw new IllegalStateException("a duplicate's line is missing from the batch's aggregates: pricing is not deterministic");
            }
            sums.subtract(line.quantity(), line.costUsd());
        }
    }

    /** What the event's rows are grouped by, but the dimension: its time bucket, source, subject, model, region, tier and card. */
    private AggregateKey.Attribution attribution(PricedEvent priced) {
        UsageEvent event = priced.event();
        return new AggregateKey.Attribution(bucketSecond(event.time()), event.source(), event.subject(), priced.baseModelId(),
                priced.region(), event.serviceTier(), priced.rateCardVersion());
    }

    Instant bucketStart(Instant time) {
        return Instant.ofEpochSecond(bucketSecond(time));
    }

    private long bucketSecond(Instant time) {
        long seconds = time.getEpochSecond();
        return seconds - Math.floorMod(seconds, bucketSeconds);
    }
}
