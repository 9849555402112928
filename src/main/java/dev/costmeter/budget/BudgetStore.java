package dev.costmeter.budget;

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
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Budgets, their alerts, and the spend in their scope: all in PostgreSQL, the source of truth. */
@ApplicationScoped
public class BudgetStore {

    /** A budget name that is taken. */
    public static final class NameTaken extends Exception {
        NameTaken(String name) {
            super("a budget named '" + name + "' exists already");
        }
    }

    /** An alert fired for a budget in a period. */
    /** An alert published, and the budget amount it was computed against. */
    public record Alert(String threshold, Instant firedAt, BigDecimal spentUsd, BigDecimal forecastUsd, BigDecimal amountUsd) {
    }

    @Inject
    AgroalDataSource dataSource;

    private Duration bucket;

    @Inject
    void bucket(dev.costmeter.config.CostmeterConfig config) {
        this.bucket = config.aggregation().bucket();
    }

    public List<Budget> list() throws SQLException {
        return select("select * from budget order by name", null);
    }

    public Optional<Budget> get(UUID id) throws SQLException {
        return select("select * from budget where id = ?", id).stream().findFirst();
    }

    public Budget create(Budget budget) throws SQLException, NameTaken {
        write("""
                insert into budget (name, scope_source, scope_subject, scope_model, scope_dimension, scope_tier, period, amount_usd,
                                    thresholds, alert_on_forecast, id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", budget);
        return budget;
    }

    /** @return false when there is no such budget */
    public boolean update(Budget budget) throws SQLException, NameTaken {
        return write("""
                update budget set name = ?, scope_source = ?, scope_subject = ?, scope_model = ?, scope_dimension = ?, scope_tier = ?,
                                  period = ?, amount_usd = ?, thresholds = ?, alert_on_forecast = ?, updated_at = now()
                where id = ?""", budget) == 1;
    }

    public boolean delete(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("delete from budget where id = ?")) {
            s.setObject(1, id);
            return s.executeUpdate() == 1;
        }
    }

    /** Exact spend in the scope, of the aggregate buckets starting in [from, to). */
    public BigDecimal spend(Budget.Scope scope, Instant from, Instant to) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select coalesce(sum(cost_usd), 0) from spend_aggregate where bucket_start >= ? "
                     + "and bucket_start < ?" + scopeFilter(scope))) {
            bind(s, scope, from, to);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        }
    }

    /**
     * Spend in the scope over exactly each window {@code [start, now)}: the buckets inside it, and the
     * share of the bucket it starts in (see {@link BurnRate#spendInWindow}). One scan for all windows.
     */
    public List<BigDecimal> spendInWindows(Budget.Scope scope, List<Instant> starts, Instant now) throws SQLException {
        Instant earliest = starts.stream().min(Instant::compareTo).orElseThrow().minus(bucket);
        java.util.NavigableMap<Instant, BigDecimal> buckets = new java.util.TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select bucket_start, sum(cost_usd) from spend_aggregate where bucket_start > ? "
                     + "and bucket_start <= ?" + scopeFilter(scope) + " group by 1")) {
            bind(s, scope, earliest, now);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    buckets.put(rs.getTimestamp(1).toInstant(), rs.getBigDecimal(2));
                }
            }
        }
        return starts.stream().map(start -> BurnRate.spendInWindow(buckets, start, bucket)).toList();
    }

    /** Spend in the scope by UTC day, for the days in [from, to). */
    public Map<LocalDate, BigDecimal> dailySpend(Budget.Scope scope, Instant from, Instant to) throws SQLException {
        Map<LocalDate, BigDecimal> daily = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select (bucket_start at time zone 'UTC')::date, sum(cost_usd) from spend_aggregate "
                     + "where bucket_start >= ? and bucket_start < ?" + scopeFilter(scope) + " group by 1")) {
            bind(s, scope, from, to);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    daily.put(rs.getObject(1, LocalDate.class), rs.getBigDecimal(2));
                }
            }
        }
        return daily;
    }

    /** Whether any spend ever recorded matches the scope. */
    public boolean anySpend(Budget.Scope scope) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select exists (select 1 from spend_aggregate where bucket_start >= ? and bucket_start < ?"
                     + scopeFilter(scope) + ")")) {
            bind(s, scope, Instant.EPOCH, Instant.parse("9999-12-31T00:00:00Z"));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The earliest bucket with spend in the scope in [from, to), or null: where a forecast's history begins. */
    public Instant firstSpend(Budget.Scope scope, Instant from, Instant to) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select min(bucket_start) from spend_aggregate where bucket_start >= ? "
                     + "and bucket_start < ? and cost_usd > 0" + scopeFilter(scope))) {
            bind(s, scope, from, to);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                Timestamp first = rs.getTimestamp(1);
                return first == null ? null : first.toInstant();
            }
        }
    }

    /** Threshold alerts published since an instant, by threshold ("50", "100", "forecast" …). */
    public Map<String, Long> alertsPublishedSince(Instant since) throws SQLException {
        Map<String, Long> counts = new java.util.TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select threshold, count(*) from budget_alert where fired_at >= ? group by threshold")) {
            s.setTimestamp(1, Timestamp.from(since));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    public List<Alert> alerts(UUID budget, Instant periodStart) throws SQLException {
        List<Alert> alerts = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select threshold, fired_at, spent_usd, forecast_usd, amount_usd from budget_alert "
                     + "where budget_id = ? and period_start = ? order by fired_at, threshold")) {
            s.setObject(1, budget);
            s.setTimestamp(2, Timestamp.from(periodStart));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    alerts.add(new Alert(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getBigDecimal(3), rs.getBigDecimal(4),
                            rs.getBigDecimal(5)));
                }
            }
        }
        return alerts;
    }

    private static String scopeFilter(Budget.Scope scope) {
        StringBuilder sql = new StringBuilder();
        for (String[] f : fields(scope)) {
            if (f[1] != null) {
                sql.append(" and ").append(f[0]).append(" = ?");
            }
        }
        return sql.toString();
    }

    private static void bind(PreparedStatement s, Budget.Scope scope, Instant from, Instant to) throws SQLException {
        bind(s, 1, scope, from, to);
    }

    /** Binds from, to and the scope's values, starting at parameter {@code first}. */
    private static void bind(PreparedStatement s, int first, Budget.Scope scope, Instant from, Instant to) throws SQLException {
        s.setTimestamp(first, Timestamp.from(from));
        s.setTimestamp(first + 1, Timestamp.from(to));
        int p = first + 2;
        for (String[] f : fields(scope)) {
            if (f[1] != null) {
                s.setString(p++, f[1]);
            }
        }
    }

    private static String[][] fields(Budget.Scope scope) {
        return new String[][] {{"source", scope.source()}, {"subject", scope.subject()}, {"model_id", scope.model()},
                {"dimension", scope.dimension()}, {"service_tier", scope.tier()}};
    }

    private int write(String sql, Budget b) throws SQLException, NameTaken {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, b.name());
            s.setString(2, b.scope().source());
            s.setString(3, b.scope().subject());
            s.setString(4, b.scope().model());
            s.setString(5, b.scope().dimension());
            s.setString(6, b.scope().tier());
            s.setString(7, b.period().id());
            s.setBigDecimal(8, b.amountUsd());
            s.setArray(9, c.createArrayOf("numeric", b.thresholds().toArray()));
            s.setBoolean(10, b.alertOnForecast());
            s.setObject(11, b.id());
            return s.executeUpdate();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new NameTaken(b.name());
            }
            throw e;
        }
    }

    private List<Budget> select(String sql, UUID id) throws SQLException {
        List<Budget> budgets = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (id != null) {
                s.setObject(1, id);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Array thresholds = rs.getArray("thresholds");
                    budgets.add(new Budget(rs.getObject("id", UUID.class), rs.getString("name"),
                            new Budget.Scope(rs.getString("scope_source"), rs.getString("scope_subject"), rs.getString("scope_model"),
                                    rs.getString("scope_dimension"), rs.getString("scope_tier")),
                            Budget.Period.of(rs.getString("period")), rs.getBigDecimal("amount_usd"),
                            Arrays.stream((Object[]) thresholds.getArray()).map(o -> (BigDecimal) o).toList(),
                            rs.getBoolean("alert_on_forecast")));
                }
            }
        }
        return budgets;
    }

    static LocalDate day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }
}
