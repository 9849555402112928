package dev.costmeter.aggregation;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One user interaction's share of a batch: the events that carried its {@code interactionId},
 * how many of them were model calls, and their cost. Mutable; owned by one batch.
 */
public final class InteractionSums {

    /** (source, interactionId): an interaction id is the application's, so it is scoped by source. */
    public record Key(String source, String interactionId) {
    }

    private Instant firstEventTime;
    private Instant lastEventTime;
    private long modelCalls;
    private long events;
    private BigDecimal costUsd = BigDecimal.ZERO;

    void add(Instant time, boolean modelCall, BigDecimal cost) {
        firstEventTime = firstEventTime == null || time.isBefore(firstEventTime) ? time : firstEventTime;
        lastEventTime = lastEventTime == null || time.isAfter(lastEventTime) ? time : lastEventTime;
        modelCalls += modelCall ? 1 : 0;
        events++;
        costUsd = costUsd.add(cost);
    }

    /**
     * Takes back a duplicate. Its time stays in the first/last range: the original event, charged
     * earlier, had the same time, so the stored range already includes it.
     */
    void subtract(boolean modelCall, BigDecimal cost) {
        modelCalls -= modelCall ? 1 : 0;
        events--;
        costUsd = costUsd.subtract(cost);
    }

    public Instant firstEventTime() {
        return firstEventTime;
    }

    public Instant lastEventTime() {
        return lastEventTime;
    }

    public long modelCalls() {
        return modelCalls;
    }

    public long events() {
        return events;
    }

    public BigDecimal costUsd() {
        return costUsd;
    }
}
