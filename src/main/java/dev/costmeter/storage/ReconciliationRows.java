package dev.costmeter.storage;

import dev.costmeter.pricing.Dimension;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What reconciliation reads of the ledger: the token aggregates per UTC day, and the quarantine's counts. */
@ApplicationScoped
public class ReconciliationRows {

    /** One UTC day's aggregates of one source, region, model, tier and dimension. */
    public record DaySum(LocalDate day, String source, String region, String modelId, String tier, Dimension dimension,
                         BigDecimal quantity, BigDecimal cost) {
    }

    @Inject
    AgroalDataSource dataSource;

    /** The aggregates of the given dimensions in the days [from, to), summed per day, source, region, model, tier and dimension. */
    public List<DaySum> metered(LocalDate from, LocalDate to, Collection<Dimension> dimensions) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return metered(c, from, to, dimensions);
        }
    }

    /** The same on a connection of the caller's (the benchmark's). */
    public static List<DaySum> metered(Connection c, LocalDate from, LocalDate to, Collection<Dimension> dimensions) throws Exception {
        String[] tokenDimensions = dimensions.stream().map(Dimension::id).toArray(String[]::new);
        List<DaySum> rows = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("""
                     select (bucket_start at time zone 'UTC')::date, source, region, model_id, service_tier, dimension,
                            sum(quantity), sum(cost_usd)
                     from spend_aggregate where bucket_start >= ? and bucket_start < ? and dimension = any (?)
                     group by 1, 2, 3, 4, 5, 6""")) {
            select.setTimestamp(1, Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant()));
            select.setTimestamp(2, Timestamp.from(to.atStartOfDay(ZoneOffset.UTC).toInstant()));
            select.setArray(3, c.createArrayOf("text", tokenDimensions));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.add(new DaySum(rs.getObject(1, LocalDate.class), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), Dimension.byId(rs.getString(6)), rs.getBigDecimal(7), rs.getBigDecimal(8)));
                }
            }
        }
        return rows;
    }

    /** Events waiting in the quarantine with a time in [from, to), by UTC day and model id as the event named it. */
    public Map<LocalDate, Map<String, Long>> quarantined(LocalDate from, LocalDate to) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return quarantined(c, from, to);
        }
    }

    /** The same on a connection of the caller's (the benchmark's). */
    public static Map<LocalDate, Map<String, Long>> quarantined(Connection c, LocalDate from, LocalDate to) throws Exception {
        Map<LocalDate, Map<String, Long>> counts = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement("""
                     select (event_time at time zone 'UTC')::date, model_id, count(*) from unpriced_event
                     where event_time >= ? and event_time < ? group by 1, 2""")) {
            select.setTimestamp(1, Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant()));
            select.setTimestamp(2, Timestamp.from(to.atStartOfDay(ZoneOffset.UTC).toInstant()));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    counts.computeIfAbsent(rs.getObject(1, LocalDate.class), d -> new HashMap<>()).merge(rs.getString(2), rs.getLong(3), Long::sum);
                }
            }
        }
        return counts;
    }
}
