package dev.costmeter.storage;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Applied re-rates (tables {@code rerate} and {@code rerate_line}, append-only) and the one
 * transaction that applies one: the range's aggregates whose price the target card changes are moved
 * to its version with their quantities × its unit prices (the others already cost what the target
 * says and are left alone: a re-rate rewrites only what changes), and the adjustment is recorded with
 * every per-key delta — all or nothing. One re-rate is applied at a time (an advisory lock).
 */
@ApplicationScoped
public class RerateLedger {

    /** What a range holds of one model × tier × dimension × card version: the unit of a price. */
    public record Combination(String modelId, String tier, String dimension, String version, BigDecimal quantity, BigDecimal costUsd,
                              long aggregates) {
    }

    /** A per-key delta: source × model × dimension × the card it was priced with. */
    public record Line(String source, String modelId, String dimension, String fromVersion, String toVersion, BigDecimal quantity,
                       BigDecimal oldCostUsd, BigDecimal newCostUsd) {
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

    /**
     * The caller's prices: the target card's unit price for each combination, or null for one whose
     * price the target does not change (its rows are left as they are); refusing, by throwing, what
     * it cannot price exactly.
     */
    @FunctionalInterface
    public interface Pricing {
        List<BigDecimal> unitPrices(Segment segment, List<Combination> combinations) throws Exception;
    }

    /** A part of the range re-rated to one card: the whole range, or each card's period for "the card in effect". */
    public record Segment(Instant from, Instant to, String targetVersion) {
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

    public Outcome apply(UUID id, String appliedBy, String reason, String target, List<Segment> segments, String source, String model,
                         Pricing pricing, BeforeCommit beforeCommit) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return apply(c, id, appliedBy, reason, target, segments, source, model, pricing, beforeCommit);
        }
    }

    /**
     * The same on a connection of the caller's (the benchmark's), in one transaction. Set-based: the
     * range's rows never leave PostgreSQL; the target's unit prices go in as a small table and
     * PostgreSQL multiplies exactly (NUMERIC).
     */
    public static Outcome apply(Connection c, UUID id, String appliedBy, String reason, String target, List<Segment> segments,
                                String source, String model, Pricing pricing, BeforeCommit beforeCommit) throws Exception {
        Instant from = segments.get(0).from();
        Instant to = segments.get(segments.size() - 1).to();
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
            try (Statement ddl = c.createStatement()) {
                ddl.execute("create temporary table rerate_price (model_id text, service_tier text, dimension text, rate_card_version text, "
                        + "from_time timestamptz, to_time timestamptz, target_version text, unit_price numeric) on commit drop");
            }
            BigDecimal oldTotal = BigDecimal.ZERO;
            BigDecimal newTotal = BigDecimal.ZERO;
            long aggregates = 0;
            try (PreparedStatement insert = c.prepareStatement("insert into rerate_price values (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Segment segment : segments) {
                    List<Combination> combinations = combinations(c, segment, source, model);
                    List<BigDecimal> prices = pricing.unitPrices(segment, combinations);
                    for (int i = 0; i < combinations.size(); i++) {
                        Combination k = combinations.get(i);
                        oldTotal = oldTotal.add(k.costUsd());
                        if (prices.get(i) == null) { // the target prices it as its card did: nothing to rewrite
                            newTotal = newTotal.add(k.costUsd());
                            continue;
                        }
                        insert.setString(1, k.modelId());
                        insert.setString(2, k.tier());
                        insert.setString(3, k.dimension());
                        insert.setString(4, k.version());
                        insert.setTimestamp(5, Timestamp.from(segment.from()));
                        insert.setTimestamp(6, Timestamp.from(segment.to()));
                        insert.setString(7, segment.targetVersion());
                        insert.setBigDecimal(8, prices.get(i));
                        insert.addBatch();
                        newTotal = newTotal.add(k.quantity().multiply(prices.get(i)));
                        aggregates += k.aggregates();
                    }
                }
                insert.executeBatch();
            }
            try (Statement analyze = c.createStatement()) {
                // A temporary table has no statistics until analysed: the planner would take it for
                // empty and walk spend_total once per matching series (88 s against 0.16 s measured,
                // bench/README.md, "Re-rating a month").
                analyze.execute("analyze rerate_price");
            }
            Instant appliedAt = Instant.now();
            try (PreparedStatement insert = c.prepareStatement("""
                    insert into rerate (id, applied_at, applied_by, reason, from_time, to_time, target_version, source_filter, model_filter,
                                        aggregates, old_total_usd, new_total_usd)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                insert.setObject(1, id);
                insert.setTimestamp(2, Timestamp.from(appliedAt));
                insert.setString(3, appliedBy);
                insert.setString(4, reason);
                insert.setTimestamp(5, Timestamp.from(from));
                insert.setTimestamp(6, Timestamp.from(to));
                insert.setString(7, target);
                insert.setString(8, source);
                insert.setString(9, model);
                insert.setLong(10, aggregates);
                insert.setBigDecimal(11, oldTotal);
                insert.setBigDecimal(12, newTotal);
                insert.executeUpdate();
            }
            try (PreparedStatement lines = c.prepareStatement("""
                    insert into rerate_line (rerate_id, source, model_id, dimension, from_version, to_version, quantity, old_cost_usd, new_cost_usd)
                    select ?, a.source, a.model_id, a.dimension, a.rate_card_version, p.target_version, sum(a.quantity), sum(a.cost_usd),
                           sum(a.quantity * p.unit_price)
                    from spend_aggregate a join rerate_price p on""" + priced("a.bucket_start") + " where" + FILTERS + " group by 2, 3, 4, 5, 6")) {
                lines.setObject(1, id);
                bindFilters(lines, 2, source, model);
                lines.executeUpdate();
            }
            // The target version's series first (a statement of its own, so that the move's
            // snapshot sees them), then each row deleted from its series and added to the target's.
            try (PreparedStatement targets = c.prepareStatement("""
                    insert into spend_series (source, subject, model_id, region, service_tier, dimension, rate_card_version)
                    select distinct a.source, a.subject, a.model_id, a.region, a.service_tier, a.dimension, p.target_version
                    from spend_aggregate a join rerate_price p on""" + priced("a.bucket_start") + " where" + FILTERS + """

                    order by 1, 2, 3, 4, 5, 6, 7
                    on conflict do nothing""")) {
                bindFilters(targets, 1, source, model);
                targets.executeUpdate();
            }
            try (PreparedStatement move = c.prepareStatement("""
                    with moved as (
                        delete from spend_total t using spend_series a, rerate_price p
                        where t.series_id = a.series_id and""" + priced("t.bucket_start") + " and" + FILTERS + """

                        returning t.bucket_start, a.source, a.subject, a.model_id, a.region, a.service_tier, a.dimension,
                                  p.target_version as rate_card_version, t.quantity, t.quantity * p.unit_price as cost_usd, t.events)
                    insert into spend_total (bucket_start, series_id, quantity, cost_usd, events)
                    select m.bucket_start, s.series_id, sum(m.quantity), sum(m.cost_usd), sum(m.events)
                    from moved m join spend_series s using (source, subject, model_id, region, service_tier, dimension, rate_card_version)
                    group by 1, 2
                    order by 1, 2
                    on conflict (bucket_start, series_id) do update
                    set quantity = spend_total.quantity + excluded.quantity, cost_usd = spend_total.cost_usd + excluded.cost_usd,
                        events = spend_total.events + excluded.events""")) {
                bindFilters(move, 1, source, model);
                move.executeUpdate();
            }
            Applied applied = find(c, id).orElseThrow();
            beforeCommit.run(applied);
            c.commit();
            return new Outcome(applied, false);
        } catch (Exception e) {
            c.rollback();
            throw e;
        }
    }

    /**
     * An aggregate's series ({@code a}: the view, or {@code spend_series}) and its price ({@code p}): the
     * same combination, and the row's {@code bucket} (a column of the view or of {@code spend_total})
     * in the price's segment.
     */
    private static String priced(String bucket) {
        return " p.model_id = a.model_id and p.service_tier = a.service_tier and p.dimension = a.dimension"
                + " and p.rate_card_version = a.rate_card_version and " + bucket + " >= p.from_time and " + bucket + " < p.to_time";
    }

    /** The request's filters; bound by {@link #bindFilters}. */
    private static final String FILTERS = " (?::text is null or a.source = ?) and (?::text is null or a.model_id = ?)";

    private static void bindFilters(PreparedStatement statement, int at, String source, String model) throws SQLException {
        statement.setString(at, source);
        statement.setString(at + 1, source);
        statement.setString(at + 2, model);
        statement.setString(at + 3, model);
    }

    /** A segment's rows not yet at its target version, summed per model × tier × dimension × version. */
    private static List<Combination> combinations(Connection c, Segment segment, String source, String model) throws SQLException {
        List<Combination> found = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("select a.model_id, a.service_tier, a.dimension, a.rate_card_version, sum(a.quantity), "
                + "sum(a.cost_usd), count(*) from spend_aggregate a where a.bucket_start >= ? and a.bucket_start < ? and a.rate_card_version <> ? "
                + "and" + FILTERS + " group by 1, 2, 3, 4 order by 1, 2, 3, 4")) {
            select.setTimestamp(1, Timestamp.from(segment.from()));
            select.setTimestamp(2, Timestamp.from(segment.to()));
            select.setString(3, segment.targetVersion());
            bindFilters(select, 4, source, model);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    found.add(new Combination(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBigDecimal(5),
                            rs.getBigDecimal(6), rs.getLong(7)));
                }
            }
        }
        return found;
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
                     select source, model_id, dimension, from_version, to_version, quantity, old_cost_usd, new_cost_usd from rerate_line
                     where rerate_id = ? order by source, model_id, dimension, from_version, to_version""")) {
            head.setObject(1, id);
            try (ResultSet rs = head.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                lines.setObject(1, id);
                List<Line> found = new ArrayList<>();
                try (ResultSet l = lines.executeQuery()) {
                    while (l.next()) {
                        found.add(new Line(l.getString(1), l.getString(2), l.getString(3), l.getString(4), l.getString(5), l.getBigDecimal(6),
                                l.getBigDecimal(7), l.getBigDecimal(8)));
                    }
                }
                return Optional.of(new Applied(id, rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7), rs.getString(8), rs.getLong(9), rs.getBigDecimal(10),
                        rs.getBigDecimal(11), found));
            }
        }
    }
}
