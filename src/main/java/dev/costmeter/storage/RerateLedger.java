package dev.costmeter.storage;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Applied re-rates (tables {@code rerate} and {@code rerate_line}, append-only) and the one
 * transaction that applies one: the range's aggregates are locked, re-priced by the caller's plan,
 * moved to the target card's version with their new costs, and the adjustment is recorded with
 * every per-key delta — all or nothing. One re-rate is applied at a time (an advisory lock).
 */
@ApplicationScoped
public class RerateLedger {

    /** One aggregate row as stored. */
    public record Row(Instant bucketStart, String source, String subject, String modelId, String region, String tier, String dimension,
                      String version, BigDecimal quantity, BigDecimal costUsd, long events) {
    }

    /** A per-key delta: source × model × dimension × the card it was priced with. */
    public record Line(String source, String modelId, String dimension, String fromVersion, BigDecimal quantity, BigDecimal oldCostUsd,
                       BigDecimal newCostUsd) {
        public BigDecimal deltaUsd() {
            return newCostUsd.subtract(oldCostUsd);
        }
    }

    /** An applied re-rate as recorded. */
    public record Applied(UUID id, Instant appliedAt, String appliedBy, String reason, Instant from, Instant to, String targetVersion,
                          String source, String model, long aggregates, BigDecimal oldTotalUsd, BigDecimal newTotalUsd, List<Line> lines) {
        public BigDecimal deltaUsd() {
            return newTotalUsd.subtract(oldTotalUsd);
        }
    }

    /** What the caller's plan makes of the locked rows: each row's new cost (same order) and the per-key lines. */
    public record Plan(List<BigDecimal> newCosts, List<Line> lines, BigDecimal oldTotalUsd, BigDecimal newTotalUsd) {
    }

    @FunctionalInterface
    public interface Planner {
        Plan plan(List<Row> rows) throws Exception;
    }

    /** Runs inside the transaction, after every write and before the commit (publishing the adjustment events). */
    @FunctionalInterface
    public interface BeforeCommit {
        void run(Applied applied) throws Exception;
    }

    /** Another re-rate holds the lock. */
    public static final class Busy extends Exception {
        public Busy() {
            super("another re-rate is being applied; try again when it is done");
        }
    }

    /** The outcome: the re-rate, and whether this call applied it or found it applied before. */
    public record Outcome(Applied applied, boolean alreadyApplied) {
    }

    private static final long LOCK_KEY = 0x636f73746d657465L; // "costmete"

    @Inject
    AgroalDataSource dataSource;

    public Outcome apply(UUID id, String appliedBy, String reason, Instant from, Instant to, String targetVersion, String source, String model,
                         Planner planner, BeforeCommit beforeCommit) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("select pg_try_advisory_xact_lock(?)")) {
                    lock.setLong(1, LOCK_KEY);
                    try (ResultSet rs = lock.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw new Busy();
                        }
                    }
                }
                Optional<Applied> before = find(c, id);
                if (before.isPresent()) {
                    c.rollback();
                    return new Outcome(before.get(), true);
                }
                List<Row> rows = lockRows(c, from, to, targetVersion, source, model);
                Plan plan = planner.plan(rows);
                Instant appliedAt = Instant.now();
                Applied applied = new Applied(id, appliedAt, appliedBy, reason, from, to, targetVersion, source, model, rows.size(),
                        plan.oldTotalUsd(), plan.newTotalUsd(), plan.lines());
                record(c, applied);
                move(c, rows, plan.newCosts(), targetVersion);
                beforeCommit.run(applied);
                c.commit();
                return new Outcome(applied, false);
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }

    public Optional<Applied> find(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return find(c, id);
        }
    }

    /** Applied re-rates whose range overlaps [from, to) (and that cover the source, when one is given), newest first, with their lines. */
    public List<Applied> overlapping(Instant from, Instant to, String source, int limit) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("""
                     select id from rerate where from_time < ? and to_time > ? and (?::text is null or source_filter is null or source_filter = ?)
                     order by applied_at desc limit ?""")) {
            select.setTimestamp(1, Timestamp.from(to));
            select.setTimestamp(2, Timestamp.from(from));
            select.setString(3, source);
            select.setString(4, source);
            select.setInt(5, limit);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            List<Applied> found = new ArrayList<>();
            for (UUID id : ids) {
                find(c, id).ifPresent(found::add);
            }
            return found;
        }
    }

    private static Optional<Applied> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement head = c.prepareStatement("""
                select applied_at, applied_by, reason, from_time, to_time, target_version, source_filter, model_filter, aggregates,
                       old_total_usd, new_total_usd from rerate where id = ?""");
             PreparedStatement lines = c.prepareStatement("""
                     select source, model_id, dimension, from_version, quantity, old_cost_usd, new_cost_usd from rerate_line
                     where rerate_id = ? order by source, model_id, dimension, from_version""")) {
            head.setObject(1, id);
            try (ResultSet rs = head.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                lines.setObject(1, id);
                List<Line> found = new ArrayList<>();
                try (ResultSet l = lines.executeQuery()) {
                    while (l.next()) {
                        found.add(new Line(l.getString(1), l.getString(2), l.getString(3), l.getString(4), l.getBigDecimal(5), l.getBigDecimal(6),
                                l.getBigDecimal(7)));
                    }
                }
                return Optional.of(new Applied(id, rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7), rs.getString(8), rs.getLong(9), rs.getBigDecimal(10),
                        rs.getBigDecimal(11), found));
            }
        }
    }

    /** The range's aggregates not yet at the target version, locked until the transaction ends. */
    private static List<Row> lockRows(Connection c, Instant from, Instant to, String targetVersion, String source, String model) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("""
                select bucket_start, source, subject, model_id, region, service_tier, dimension, rate_card_version, quantity, cost_usd, events
                from spend_aggregate
                where bucket_start >= ? and bucket_start < ? and rate_card_version <> ?
                  and (?::text is null or source = ?) and (?::text is null or model_id = ?)
                order by bucket_start, source, subject, model_id, region, service_tier, dimension, rate_card_version
                for update""")) {
            select.setFetchSize(10_000);
            select.setTimestamp(1, Timestamp.from(from));
            select.setTimestamp(2, Timestamp.from(to));
            select.setString(3, targetVersion);
            select.setString(4, source);
            select.setString(5, source);
            select.setString(6, model);
            select.setString(7, model);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getString(8), rs.getBigDecimal(9), rs.getBigDecimal(10), rs.getLong(11)));
                }
            }
        }
        return rows;
    }

    private static void record(Connection c, Applied a) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("""
                insert into rerate (id, applied_at, applied_by, reason, from_time, to_time, target_version, source_filter, model_filter,
                                    aggregates, old_total_usd, new_total_usd)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setObject(1, a.id());
            insert.setTimestamp(2, Timestamp.from(a.appliedAt()));
            insert.setString(3, a.appliedBy());
            insert.setString(4, a.reason());
            insert.setTimestamp(5, Timestamp.from(a.from()));
            insert.setTimestamp(6, Timestamp.from(a.to()));
            insert.setString(7, a.targetVersion());
            insert.setString(8, a.source());
            insert.setString(9, a.model());
            insert.setLong(10, a.aggregates());
            insert.setBigDecimal(11, a.oldTotalUsd());
            insert.setBigDecimal(12, a.newTotalUsd());
            insert.executeUpdate();
        }
        try (PreparedStatement lines = c.prepareStatement("""
                insert into rerate_line (rerate_id, source, model_id, dimension, from_version, quantity, old_cost_usd, new_cost_usd)
                select ?, * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::numeric[], ?::numeric[], ?::numeric[])""")) {
            int n = a.lines().size();
            String[] sources = new String[n], models = new String[n], dimensions = new String[n], versions = new String[n];
            BigDecimal[] quantities = new BigDecimal[n], olds = new BigDecimal[n], news = new BigDecimal[n];
            for (int i = 0; i < n; i++) {
                Line l = a.lines().get(i);
                sources[i] = l.source();
                models[i] = l.modelId();
                dimensions[i] = l.dimension();
                versions[i] = l.fromVersion();
                quantities[i] = l.quantity();
                olds[i] = l.oldCostUsd();
                news[i] = l.newCostUsd();
            }
            lines.setObject(1, a.id());
            lines.setArray(2, c.createArrayOf("text", sources));
            lines.setArray(3, c.createArrayOf("text", models));
            lines.setArray(4, c.createArrayOf("text", dimensions));
            lines.setArray(5, c.createArrayOf("text", versions));
            lines.setArray(6, c.createArrayOf("numeric", quantities));
            lines.setArray(7, c.createArrayOf("numeric", olds));
            lines.setArray(8, c.createArrayOf("numeric", news));
            lines.executeUpdate();
        }
    }

    /** Deletes the rows and adds them, with their new costs, to the target version's rows (merged first: one row per key). */
    private static void move(Connection c, List<Row> rows, List<BigDecimal> newCosts, String targetVersion) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = c.prepareStatement("""
                delete from spend_aggregate a using unnest(?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                    as k(bucket_start, source, subject, model_id, region, service_tier, dimension, rate_card_version)
                where a.bucket_start = k.bucket_start and a.source = k.source and a.subject = k.subject and a.model_id = k.model_id
                  and a.region = k.region and a.service_tier = k.service_tier and a.dimension = k.dimension
                  and a.rate_card_version = k.rate_card_version""")) {
            bindKeys(c, delete, rows, null);
            delete.executeUpdate();
        }
        Map<List<Object>, Row> merged = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Row moved = new Row(r.bucketStart(), r.source(), r.subject(), r.modelId(), r.region(), r.tier(), r.dimension(), targetVersion,
                    r.quantity(), newCosts.get(i), r.events());
            merged.merge(List.of(r.bucketStart(), r.source(), r.subject(), r.modelId(), r.region(), r.tier(), r.dimension()), moved,
                    (a, b) -> new Row(a.bucketStart(), a.source(), a.subject(), a.modelId(), a.region(), a.tier(), a.dimension(), targetVersion,
                            a.quantity().add(b.quantity()), a.costUsd().add(b.costUsd()), a.events() + b.events()));
        }
        List<Row> targets = new ArrayList<>(merged.values());
        try (PreparedStatement upsert = c.prepareStatement("""
                insert into spend_aggregate (bucket_start, source, subject, model_id, region, service_tier, dimension, rate_card_version,
                                             quantity, cost_usd, events)
                select * from unnest(?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                                     ?::numeric[], ?::numeric[], ?::bigint[])
                on conflict (bucket_start, source, subject, model_id, region, service_tier, dimension, rate_card_version) do update
                set quantity = spend_aggregate.quantity + excluded.quantity, cost_usd = spend_aggregate.cost_usd + excluded.cost_usd,
                    events = spend_aggregate.events + excluded.events""")) {
            bindKeys(c, upsert, targets, targetVersion);
            int n = targets.size();
            BigDecimal[] quantities = new BigDecimal[n], costs = new BigDecimal[n];
            Long[] events = new Long[n];
            for (int i = 0; i < n; i++) {
                quantities[i] = targets.get(i).quantity();
                costs[i] = targets.get(i).costUsd();
                events[i] = targets.get(i).events();
            }
            upsert.setArray(9, c.createArrayOf("numeric", quantities));
            upsert.setArray(10, c.createArrayOf("numeric", costs));
            upsert.setArray(11, c.createArrayOf("bigint", events));
            upsert.executeUpdate();
        }
    }

    /** Binds the eight key arrays (parameters 1–8); the version is each row's own, or {@code version} for all. */
    private static void bindKeys(Connection c, PreparedStatement statement, List<Row> rows, String version) throws SQLException {
        int n = rows.size();
        Timestamp[] buckets = new Timestamp[n];
        String[][] text = new String[7][n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            buckets[i] = Timestamp.from(r.bucketStart());
            text[0][i] = r.source();
            text[1][i] = r.subject();
            text[2][i] = r.modelId();
            text[3][i] = r.region();
            text[4][i] = r.tier();
            text[5][i] = r.dimension();
            text[6][i] = version == null ? r.version() : version;
        }
        Array bucketArray = c.createArrayOf("timestamptz", buckets);
        statement.setArray(1, bucketArray);
        for (int k = 0; k < 7; k++) {
            statement.setArray(k + 2, c.createArrayOf("text", text[k]));
        }
    }
}
