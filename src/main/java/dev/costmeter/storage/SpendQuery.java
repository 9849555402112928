package dev.costmeter.storage;

import dev.costmeter.aggregation.EventOutcome;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** Reads spend totals from the aggregates, grouped by any of {@link #GROUPABLE}. */
@ApplicationScoped
public class SpendQuery {

    /** API name → column. The only names that reach SQL. */
    public static final Map<String, String> GROUPABLE = Map.of(
            "source", "source",
            "subject", "subject",
            "model", "model_id",
            "region", "region",
            "tier", "service_tier",
            "dimension", "dimension",
            "rateCardVersion", "rate_card_version");

    @Inject
    AgroalDataSource dataSource;

    public record Row(Map<String, String> group, BigDecimal quantity, BigDecimal costUsd, long events) {
    }

    /**
     * Totals of the buckets starting in [from, to), grouped by {@code groupBy} and filtered by
     * {@code filters} (API name → value).
     */
    public List<Row> totals(Instant from, Instant to, List<String> groupBy, Map<String, String> filters) throws SQLException {
        List<String> columns = groupBy.stream().map(GROUPABLE::get).toList();
        StringBuilder select = new StringBuilder("select ");
        columns.forEach(column -> select.append(column).append(", "));
        select.append("sum(quantity), sum(cost_usd), sum(events) from spend_aggregate where bucket_start >= ? and bucket_start < ?");
        String tail = columns.isEmpty() ? "" : " group by " + String.join(", ", columns)
                + " order by sum(cost_usd) desc, " + String.join(", ", columns);
        List<Row> rows = new ArrayList<>();
        each(select.toString(), tail, from, to, filters, rs -> {
            BigDecimal quantity = rs.getBigDecimal(columns.size() + 1);
            if (quantity == null) {
                return; // no rows at all: sum() over nothing
            }
            Map<String, String> group = new LinkedHashMap<>();
            for (int i = 0; i < groupBy.size(); i++) {
                group.put(groupBy.get(i), rs.getString(i + 1));
            }
            rows.add(new Row(group, quantity, rs.getBigDecimal(columns.size() + 2), rs.getLong(columns.size() + 3)));
        });
        return rows;
    }

    /** Exact spend of the buckets starting in [from, to) that match {@code filters} (API name → value). */
    public BigDecimal total(Instant from, Instant to, Map<String, String> filters) throws SQLException {
        return single("select coalesce(sum(cost_usd), 0) from spend_aggregate where bucket_start >= ? and bucket_start < ?",
                from, to, filters, rs -> rs.getBigDecimal(1));
    }

    /** Spend by bucket start, of the buckets starting after {@code after} and at or before {@code upTo}. */
    public NavigableMap<Instant, BigDecimal> byBucket(Instant after, Instant upTo, Map<String, String> filters) throws SQLException {
        NavigableMap<Instant, BigDecimal> buckets = new TreeMap<>();
        each("select bucket_start, sum(cost_usd) from spend_aggregate where bucket_start > ? and bucket_start <= ?", " group by 1",
                after, upTo, filters, rs -> buckets.put(rs.getTimestamp(1).toInstant(), rs.getBigDecimal(2)));
        return buckets;
    }

    /** Spend by UTC day, of the buckets starting in [from, to). */
    public Map<LocalDate, BigDecimal> byDay(Instant from, Instant to, Map<String, String> filters) throws SQLException {
        Map<LocalDate, BigDecimal> daily = new HashMap<>();
        each("select (bucket_start at time zone 'UTC')::date, sum(cost_usd) from spend_aggregate where bucket_start >= ? and bucket_start < ?",
                " group by 1", from, to, filters, rs -> daily.put(rs.getObject(1, LocalDate.class), rs.getBigDecimal(2)));
        return daily;
    }

    /** Whether any spend ever recorded matches {@code filters}. */
    public boolean any(Map<String, String> filters) throws SQLException {
        return single("select exists (select 1 from spend_aggregate where bucket_start >= ? and bucket_start < ?",
                Instant.EPOCH, Instant.parse("9999-12-31T00:00:00Z"), filters, ")", rs -> rs.getBoolean(1));
    }

    /** The earliest bucket in [from, to) with spend matching {@code filters}, or null. */
    public Instant first(Instant from, Instant to, Map<String, String> filters) throws SQLException {
        return single("select min(bucket_start) from spend_aggregate where cost_usd > 0 and bucket_start >= ? and bucket_start < ?",
                from, to, filters, rs -> rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant());
    }

    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    private <T> T single(String sql, Instant from, Instant to, Map<String, String> filters, RowReader<T> reader) throws SQLException {
        return single(sql, from, to, filters, "", reader);
    }

    private <T> T single(String sql, Instant from, Instant to, Map<String, String> filters, String tail, RowReader<T> reader)
            throws SQLException {
        Object[] result = new Object[1];
        each(sql, tail, from, to, filters, rs -> result[0] = reader.read(rs));
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /** Runs {@code sql} + a filter per entry of {@code filters} + {@code tail}, with from and to as its first two parameters. */
    private void each(String sql, String tail, Instant from, Instant to, Map<String, String> filters, RowConsumer row) throws SQLException {
        StringBuilder statement = new StringBuilder(sql);
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> f : filters.entrySet()) {
            String column = GROUPABLE.get(f.getKey());
            if (column == null) {
                throw new IllegalArgumentException("cannot filter spend by " + f.getKey());
            }
            statement.append(" and ").append(column).append(" = ?");
            values.add(f.getValue());
        }
        statement.append(tail);
        try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement(statement.toString())) {
            select.setTimestamp(1, Timestamp.from(from));
            select.setTimestamp(2, Timestamp.from(to));
            int p = 3;
            for (String value : values) {
                select.setString(p++, value);
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    row.accept(rs);
                }
            }
        }
    }

    /** How many priced events carried no billable usage (failed calls, agent trace parts), ever. */
    public long pricedWithoutUsage() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("select coalesce(sum(events), 0) from event_outcome_total where outcome = ?")) {
            select.setString(1, SpendLedger.PRICED_WITHOUT_USAGE);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Outcome counts since the ledger was created. */
    public Map<EventOutcome, Long> outcomeTotals() throws SQLException {
        Map<EventOutcome, Long> totals = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("select outcome, events from event_outcome_total where outcome <> '"
                     + SpendLedger.PRICED_WITHOUT_USAGE + "'");
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                totals.put(EventOutcome.valueOf(rs.getString(1).toUpperCase(java.util.Locale.ROOT)), rs.getLong(2));
            }
        }
        return totals;
    }

    /** Tokens of one dimension in one aggregate bucket, for one source, model and tier. */
    public record BucketQuantity(String source, String modelId, String serviceTier, Instant bucketStart, BigDecimal quantity,
                                 BigDecimal costUsd) {
    }

    /** One dimension's buckets in [from, to), in time order per source, model and tier. */
    public List<BucketQuantity> buckets(Instant from, Instant to, String dimension, Map<String, String> filters) throws SQLException {
        List<BucketQuantity> out = new ArrayList<>();
        Map<String, String> withDimension = new LinkedHashMap<>(filters);
        withDimension.put("dimension", dimension);
        each("select source, model_id, service_tier, bucket_start, sum(quantity), sum(cost_usd) from spend_aggregate "
                        + "where bucket_start >= ? and bucket_start < ?", " group by 1, 2, 3, 4 order by 1, 2, 3, 4", from, to, withDimension,
                rs -> out.add(new BucketQuantity(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getBigDecimal(5), rs.getBigDecimal(6))));
        return out;
    }
}
