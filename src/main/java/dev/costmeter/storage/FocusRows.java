package dev.costmeter.storage;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * The ledger's aggregates per charge period (an hour or a UTC day) and everything that prices
 * them apart — source, subject, model, region, tier, dimension, rate card version — streamed from
 * a server-side cursor, for exports: a month of hourly rows never sits in memory.
 */
@ApplicationScoped
public class FocusRows {

    /** Hourly or daily charge periods, in UTC. */
    public enum Granularity {
        HOURLY("hour"), DAILY("day");

        private final String unit;

        Granularity(String unit) {
            this.unit = unit;
        }
    }

    /** One charge period's sums for one combination. */
    public record Row(Instant periodStart, String source, String subject, String modelId, String region, String serviceTier,
                      String dimension, String rateCardVersion, BigDecimal quantity, BigDecimal costUsd) {
    }

    @FunctionalInterface
    public interface RowSink {
        void accept(Row row) throws Exception;
    }

    @Inject
    AgroalDataSource dataSource;

    /** Every row of the buckets that start in [from, to), in order of period and then of the other fields. */
    public void stream(Instant from, Instant to, Granularity granularity, RowSink sink) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            stream(c, from, to, granularity, sink);
        }
    }

    /** The same on a connection of the caller's (the benchmark's); its auto-commit is turned off for the cursor. */
    public static void stream(Connection c, Instant from, Instant to, Granularity granularity, RowSink sink) throws Exception {
        c.setAutoCommit(false); // a cursor: rows arrive 10,000 at a time
        try (PreparedStatement select = c.prepareStatement("""
                select date_trunc(?, bucket_start, 'UTC'), source, subject, model_id, region, service_tier, dimension,
                       rate_card_version, sum(quantity), sum(cost_usd)
                from spend_aggregate where bucket_start >= ? and bucket_start < ?
                group by 1, 2, 3, 4, 5, 6, 7, 8 order by 1, 2, 3, 4, 5, 6, 7, 8""")) {
            select.setFetchSize(10_000);
            select.setString(1, granularity.unit);
            select.setTimestamp(2, Timestamp.from(from));
            select.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    sink.accept(new Row(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getBigDecimal(9),
                            rs.getBigDecimal(10)));
                }
            }
        } finally {
            c.rollback();
        }
    }
}
