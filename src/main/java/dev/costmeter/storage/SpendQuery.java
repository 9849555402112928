package dev.costmeter.storage;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        StringBuilder sql = new StringBuilder("select ");
        for (String column : columns) {
            sql.append(column).append(", ");
        }
        sql.append("sum(quantity), sum(cost_usd), sum(events) from spend_aggregate where bucket_start >= ? and bucket_start < ?");
        List<String> filterValues = new ArrayList<>();
        for (Map.Entry<String, String> f : filters.entrySet()) {
            sql.append(" and ").append(GROUPABLE.get(f.getKey())).append(" = ?");
            filterValues.add(f.getValue());
        }
        if (!columns.isEmpty()) {
            sql.append(" group by ").append(String.join(", ", columns));
            sql.append(" order by sum(cost_usd) desc, ").append(String.join(", ", columns));
        }
        List<Row> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement(sql.toString())) {
            select.setTimestamp(1, Timestamp.from(from));
            select.setTimestamp(2, Timestamp.from(to));
            int p = 3;
            for (String value : filterValues) {
                select.setString(p++, value);
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    Map<String, String> group = new LinkedHashMap<>();
                    for (int i = 0; i < groupBy.size(); i++) {
                        group.put(groupBy.get(i), rs.getString(i + 1));
                    }
                    BigDecimal quantity = rs.getBigDecimal(columns.size() + 1);
                    if (quantity == null) {
                        continue; // no rows at all: sum() over nothing
                    }
                    rows.add(new Row(group, quantity, rs.getBigDecimal(columns.size() + 2), rs.getLong(columns.size() + 3)));
                }
            }
        }
        return rows;
    }
}
