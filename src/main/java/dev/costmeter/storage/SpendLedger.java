package dev.costmeter.storage;

import dev.costmeter.aggregation.AggregateKey;
import dev.costmeter.aggregation.AggregateSums;
import dev.costmeter.aggregation.ClaimedKeys;
import dev.costmeter.aggregation.EventOutcome;
import dev.costmeter.aggregation.InteractionSums;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.aggregation.SourcePartition;
import dev.costmeter.pricing.PricingResult;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.postgresql.util.PSQLState;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The durable side of a flush, in PostgreSQL. Every write method must run inside the flush's
 * transaction ({@code MANDATORY}): aggregates, seen keys, outcome counts and offsets commit together
 * or not at all, which is what makes the aggregates exactly-once.
 */
@ApplicationScoped
public class SpendLedger {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    TransactionSynchronizationRegistry transactions;

    private final SpendSeries seriesNumbers = new SpendSeries();

    /**
     * Records the keys as seen, each with its content fingerprint and cost, and returns those that
     * had been seen before with what was kept of them then: duplicates, or conflicts where the
     * content differs. Almost always there are none, and one binary {@code COPY} says so; only when it
     * hits a key that already exists (a unique violation) is it undone and repeated as the insert that
     * names them. {@code COPY} in PostgreSQL's binary format spends half the server's time of an
     * insert from parameter arrays (no array literals to parse, no executor per row): 50,000 keys into a
     * table of 2.5 million took 113–149 ms against 265–298 ms (bench/README.md, 2026-12-01). Both
     * forms go in key order, so concurrent instances lock keys alike and never deadlock.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Map<UUID, PendingBatch.Claim> registerEventKeys(ClaimedKeys claims) throws SQLException {
        Map<UUID, PendingBatch.Claim> seenBefore = new HashMap<>();
        if (claims.isEmpty()) {
            return seenBefore;
        }
        int[] order = UuidOrder.ascending(claims);
        try (Connection c = dataSource.getConnection()) {
            // Plain SQL savepoints: the pool refuses JDBC's rollback() inside a JTA transaction.
            try (Statement savepoint = c.createStatement()) {
                savepoint.execute("savepoint register_event_keys");
                try {
                    SeenKeyCopy.copy(c, claims, order);
                    savepoint.execute("release savepoint register_event_keys");
                    return seenBefore;
                } catch (SQLException e) {
                    if (!PSQLState.UNIQUE_VIOLATION.getState().equals(e.getSQLState())) {
                        throw e; // the transaction is lost: the whole flush rolls back and is retried
                    }
                }
                savepoint.execute("rollback to savepoint register_event_keys");
            }
            int n = order.length;
            UUID[] keys = new UUID[n];
            Long[] fingerprints = new Long[n];
            String[] costs = new String[n];
            for (int i = 0; i < n; i++) {
                int position = order[i];
                keys[i] = claims.key(position);
                fingerprints[i] = claims.fingerprint(position);
                costs[i] = claims.cost(position) == null ? null : claims.cost(position).toPlainString();
            }
            // A key committed by a concurrent transaction after this statement's snapshot is not
            // visible here: it comes back with nothing kept, and counts as a duplicate.
            try (PreparedStatement insert = c.prepareStatement("""
                    with batch as (select * from unnest(?::uuid[], ?::int8[], ?::numeric[]) as b(event_key, content_hash, cost_usd)),
                         inserted as (insert into seen_event (event_key, content_hash, cost_usd)
                                      select event_key, content_hash, cost_usd from batch order by event_key
                                      on conflict do nothing returning event_key),
                         existing as (select event_key from batch except select event_key from inserted)
                    select e.event_key, s.content_hash, s.cost_usd from existing e left join seen_event s using (event_key)""")) {
                insert.setArray(1, c.createArrayOf("uuid", keys));
                insert.setArray(2, c.createArrayOf("int8", fingerprints));
                insert.setArray(3, c.createArrayOf("text", costs));
                try (ResultSet rs = insert.executeQuery()) {
                    while (rs.next()) {
                        long fingerprint = rs.getLong(2);
                        Long keptFingerprint = rs.wasNull() ? null : fingerprint; // asked right after column 2: it answers for the last column read
                        seenBefore.put(rs.getObject(1, UUID.class), new PendingBatch.Claim(keptFingerprint, rs.getBigDecimal(3)));
                    }
                }
            }
        }
        return seenBefore;
    }

    /** Whether PostgreSQL answers at all: tells an outage from a failure caused by the data. */
    public boolean isReachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Adds the batch's sums to the ledger: one upsert of {@code spend_total} rows keyed by bucket and
     * series number ({@link SpendSeries}), in key order so that concurrent commits lock shared rows
     * alike and never deadlock. Series the service has not met before are found or added first, in
     * the same transaction.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void addAggregates(Map<AggregateKey, AggregateSums> aggregates) throws SQLException {
        if (aggregates.isEmpty()) {
            return;
        }
        int n = aggregates.size();
        String[] bucket = new String[n], quantity = new String[n], cost = new String[n];
        Integer[] seriesId = new Integer[n];
        Long[] events = new Long[n];
        SpendSeries.Series[] unknown = new SpendSeries.Series[n]; // at the rows whose series has no remembered number
        Set<SpendSeries.Series> wanted = new LinkedHashSet<>();
        int i = 0;
        for (Map.Entry<AggregateKey, AggregateSums> row : aggregates.entrySet()) {
            AggregateKey k = row.getKey();
            AggregateSums s = row.getValue();
            SpendSeries.Series series = SpendSeries.Series.of(k);
            seriesId[i] = seriesNumbers.known(series);
            if (seriesId[i] == null) {
                unknown[i] = series;
                wanted.add(series);
            }
            bucket[i] = k.bucketStart().toString();
            quantity[i] = s.quantity().toPlainString();
            cost[i] = s.costUsd().toPlainString();
            events[i++] = s.events();
        }
        try (Connection c = dataSource.getConnection()) {
            if (!wanted.isEmpty()) {
                Map<SpendSeries.Series, Integer> found = SpendSeries.findOrAdd(c, wanted);
                for (int j = 0; j < n; j++) {
                    if (unknown[j] != null) {
                        seriesId[j] = found.get(unknown[j]);
                    }
                }
                rememberAfterCommit(found);
            }
            try (PreparedStatement upsert = c.prepareStatement("""
                    insert into spend_total (bucket_start, series_id, quantity, cost_usd, events)
                    select * from unnest(?::timestamptz[], ?::int4[], ?::numeric[], ?::numeric[], ?::int8[])
                    order by 1, 2 -- key order: concurrent commits lock shared rows alike, never deadlock
                    on conflict (bucket_start, series_id)
                    do update set quantity = spend_total.quantity + excluded.quantity,
                                  cost_usd = spend_total.cost_usd + excluded.cost_usd,
                                  events   = spend_total.events + excluded.events
                    """)) {
                upsert.setArray(1, c.createArrayOf("text", bucket));
                upsert.setArray(2, c.createArrayOf("int4", seriesId));
                upsert.setArray(3, c.createArrayOf("text", quantity));
                upsert.setArray(4, c.createArrayOf("text", cost));
                upsert.setArray(5, c.createArrayOf("int8", events));
                upsert.executeUpdate();
            }
        }
    }

    /** The series numbers a transaction found or added, remembered if (and once) it commits. */
    private void rememberAfterCommit(Map<SpendSeries.Series, Integer> found) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    seriesNumbers.remember(found);
                }
            }
        });
    }

    /** Adds the batch's share of each agent interaction: model calls, events and cost. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void addInteractions(Map<InteractionSums.Key, InteractionSums> interactions) throws SQLException {
        if (interactions.isEmpty()) {
            return;
        }
        int n = interactions.size();
        String[] source = new String[n], id = new String[n], first = new String[n], last = new String[n], cost = new String[n];
        Long[] calls = new Long[n], events = new Long[n];
        int i = 0;
        for (Map.Entry<InteractionSums.Key, InteractionSums> row : interactions.entrySet()) {
            source[i] = row.getKey().source();
            id[i] = row.getKey().interactionId();
            first[i] = row.getValue().firstEventTime().toString();
            last[i] = row.getValue().lastEventTime().toString();
            cost[i] = row.getValue().costUsd().toPlainString();
            calls[i] = row.getValue().modelCalls();
            events[i++] = row.getValue().events();
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement upsert = c.prepareStatement("""
                     insert into interaction_spend (source, interaction_id, first_event_time, last_event_time, cost_usd, model_calls, events)
                     select * from unnest(?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::numeric[], ?::bigint[], ?::bigint[])
                     order by 1, 2
                     on conflict (source, interaction_id)
                     do update set first_event_time = least(interaction_spend.first_event_time, excluded.first_event_time),
                                   last_event_time  = greatest(interaction_spend.last_event_time, excluded.last_event_time),
                                   cost_usd         = interaction_spend.cost_usd + excluded.cost_usd,
                                   model_calls      = interaction_spend.model_calls + excluded.model_calls,
                                   events           = interaction_spend.events + excluded.events,
                                   updated_at       = now()
                     """)) {
            int p = 1;
            for (String[] column : List.of(source, id, first, last, cost)) {
                upsert.setArray(p++, c.createArrayOf("text", column));
            }
            upsert.setArray(p++, c.createArrayOf("int8", calls));
            upsert.setArray(p, c.createArrayOf("int8", events));
            upsert.executeUpdate();
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void quarantine(List<? extends PendingBatch.Unpriced<?>> unpriced) throws SQLException {
        if (unpriced.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("""
                     insert into unpriced_event (event_key, source, event_id, event_time, model_id, reason, rate_card_version, payload)
                     values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing""")) {
            for (PendingBatch.Unpriced a : unpriced) {
                PricingResult.Unpriced u = a.result();
                insert.setObject(1, a.key());
                insert.setString(2, u.event().source());
                insert.setString(3, u.event().id());
                insert.setTimestamp(4, Timestamp.from(u.event().time()));
                insert.setString(5, u.event().modelId());
                insert.setString(6, u.reason());
                insert.setString(7, u.rateCardVersion());
                insert.setString(8, new String(a.payload(), StandardCharsets.UTF_8));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void addOutcomes(Map<EventOutcome, Long> outcomes, long pricedWithoutUsage) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement upsert = c.prepareStatement("""
                     insert into event_outcome_total (outcome, events) values (?, ?)
                     on conflict (outcome) do update set events = event_outcome_total.events + excluded.events""")) {
            for (Map.Entry<EventOutcome, Long> e : outcomes.entrySet()) {
                if (e.getValue() > 0) {
                    upsert.setString(1, e.getKey().label());
                    upsert.setLong(2, e.getValue());
                    upsert.addBatch();
                }
            }
            if (pricedWithoutUsage > 0) { // a part of priced, kept beside the outcomes
                upsert.setString(1, PRICED_WITHOUT_USAGE);
                upsert.setLong(2, pricedWithoutUsage);
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    /**
     * Moves each partition's stored offset from what the batch expects to its next offset. If the
     * store holds anything else, another consumer has committed the partition since this one read
     * it (a rebalance, or a stalled "zombie" instance): the batch is stale and must not count.
     * Runs first in the flush, so the offset rows it locks fence concurrent flushes of a partition.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void advanceOffsets(String consumerGroup, Map<SourcePartition, Long> expected, Map<SourcePartition, Long> next)
            throws SQLException, StaleBatchException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("""
                     update consumer_offset set next_offset = ?, updated_at = now()
                     where consumer_group = ? and topic = ? and partition = ? and next_offset = ?""");
             PreparedStatement insert = c.prepareStatement("""
                     insert into consumer_offset (consumer_group, topic, partition, next_offset) values (?, ?, ?, ?)
                     on conflict do nothing""")) {
            for (Map.Entry<SourcePartition, Long> e : next.entrySet()) {
                SourcePartition tp = e.getKey();
                Long before = expected.get(tp);
                int changed;
                if (before == null) {
                    insert.setString(1, consumerGroup);
                    insert.setString(2, tp.topic());
                    insert.setInt(3, tp.partition());
                    insert.setLong(4, e.getValue());
                    changed = insert.executeUpdate();
                } else {
                    update.setLong(1, e.getValue());
                    update.setString(2, consumerGroup);
                    update.setString(3, tp.topic());
                    update.setInt(4, tp.partition());
                    update.setLong(5, before);
                    changed = update.executeUpdate();
                }
                if (changed != 1) {
                    throw new StaleBatchException("offset of " + tp + " is no longer " + before
                            + ": another consumer committed it; this batch is discarded and re-read");
                }
            }
        }
    }

    /** The offsets to resume from; partitions never committed are absent. */
    public Map<SourcePartition, Long> committedOffsets(String consumerGroup, Collection<SourcePartition> partitions) throws SQLException {
        Map<SourcePartition, Long> offsets = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement(
                     "select next_offset from consumer_offset where consumer_group = ? and topic = ? and partition = ?")) {
            for (SourcePartition tp : partitions) {
                select.setString(1, consumerGroup);
                select.setString(2, tp.topic());
                select.setInt(3, tp.partition());
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        offsets.put(tp, rs.getLong(1));
                    }
                }
            }
        }
        return offsets;
    }

    /** Deletes at most {@code limit} idempotency keys first seen before {@code cutoff}; returns how many. */
    public int forgetEventKeysSeenBefore(Instant cutoff, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement delete = c.prepareStatement(
                     "delete from seen_event where ctid in (select ctid from seen_event where seen_at < ? limit ?)")) {
            delete.setTimestamp(1, Timestamp.from(cutoff));
            delete.setInt(2, limit);
            return delete.executeUpdate();
        }
    }

    /** Quarantined events priced later: they move from the unpriced count to the priced one. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void moveUnpricedToPriced(long events) throws SQLException {
        if (events == 0) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement move = c.prepareStatement("""
                     update event_outcome_total set events = events + case outcome when 'priced' then ? else -? end
                     where outcome in ('priced', 'unpriced')""");
             PreparedStatement ensurePriced = c.prepareStatement(
                     "insert into event_outcome_total (outcome, events) values ('priced', 0) on conflict do nothing")) {
            ensurePriced.executeUpdate();
            move.setLong(1, events);
            move.setLong(2, events);
            move.executeUpdate();
        }
    }

    /** The row of event_outcome_total that counts priced events without usage (not an outcome of its own). */
    public static final String PRICED_WITHOUT_USAGE = "priced_without_usage";
}
