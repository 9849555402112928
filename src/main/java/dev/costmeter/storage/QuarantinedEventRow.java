package dev.costmeter.storage;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A valid event no rate card could price (table {@code unpriced_event}). The ingest loop writes
 * these in its batched commit ({@link SpendLedger#quarantine}); reading them and re-pricing them
 * is low-rate work, done through this entity.
 */
@Entity
@Table(name = "unpriced_event")
public class QuarantinedEventRow extends PanacheEntityBase {

    /** Hibernate's value of {@code jakarta.persistence.lock.timeout} for SKIP LOCKED. */
    private static final int SKIP_LOCKED = -2;

    @Id
    @Column(name = "event_key")
    public UUID eventKey;
    public String source;
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "event_time")
    public Instant eventTime;
    @Column(name = "model_id")
    public String modelId;
    public String reason;
    @Column(name = "rate_card_version")
    public String rateCardVersion;
    /** The record as it was read, to decode and price again. */
    public String payload;
    @Column(name = "quarantined_at", insertable = false, updatable = false)
    public Instant quarantinedAt;

    /** The oldest quarantined events first. */
    public static List<QuarantinedEventRow> oldest(int limit) {
        return find("order by quarantinedAt, eventKey").page(0, limit).list();
    }

    /**
     * The oldest quarantined events, locked for this transaction; rows another transaction holds are
     * skipped, so concurrent re-pricing runs never take the same event.
     */
    public static List<QuarantinedEventRow> lockOldest(int limit) {
        return find("order by quarantinedAt, eventKey").withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", SKIP_LOCKED).page(0, limit).list();
    }

    /** Quarantined events by reason, the commonest first. */
    public static Map<String, Long> countedByReason() {
        Map<String, Long> counts = new LinkedHashMap<>();
        getEntityManager().createQuery("select q.reason, count(q) from QuarantinedEventRow q group by q.reason "
                        + "order by count(q) desc, q.reason", Object[].class)
                .getResultList()
                .forEach(row -> counts.put((String) row[0], (Long) row[1]));
        return counts;
    }
}
