package dev.costmeter.storage;

import dev.costmeter.aggregation.AggregateKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The numbers of the ledger's series ({@code spend_series}): one per combination of source,
 * subject, model, region, tier, dimension and card, which {@code spend_total} keys its sums by.
 * A series, once stored, keeps its number for good (nothing deletes one), so the numbers of
 * committed series are remembered here and a flush asks PostgreSQL only for the series it has not
 * met before: after the first batches, none.
 *
 * <p>A number learnt inside a transaction is remembered only once that transaction has committed
 * ({@link #remember}): a series added by a flush that then rolled back does not exist, and a
 * remembered number for it would fail every later flush on the foreign key.
 */
final class SpendSeries {

    /** Remembered numbers beyond this are forgotten (and asked for again): a bound on the heap, ~200 bytes each. */
    static final int MAX_REMEMBERED = 100_000;

    /** What an aggregate row is grouped by, without its bucket. */
    record Series(String source, String subject, String modelId, String region, String serviceTier, String dimension,
                  String rateCardVersion) {
        static Series of(AggregateKey k) {
            return new Series(k.source(), k.subject(), k.modelId(), k.region(), k.serviceTier(), k.dimension(), k.rateCardVersion());
        }
    }

    private final Map<Series, Integer> committed = new ConcurrentHashMap<>();

    /** The number of a series known to be committed, or null. */
    Integer known(Series series) {
        return committed.get(series);
    }

    /** Numbers of committed series, to be found without PostgreSQL from now on. */
    void remember(Map<Series, Integer> numbers) {
        if (committed.size() + numbers.size() > MAX_REMEMBERED) {
            committed.clear(); // a ledger of more series than this: the busiest come back with the next flushes
        }
        committed.putAll(numbers);
    }

    /**
     * Finds or adds the given series in the connection's transaction and returns the number of
     * each. Added in one statement in key order (concurrent flushes adding the same new series lock
     * them alike, never deadlock), then read back in a second one, whose snapshot also sees those
     * another instance committed while the first waited on them.
     */
    static Map<Series, Integer> findOrAdd(Connection c, Set<Series> wanted) throws SQLException {
        List<Series> series = new ArrayList<>(wanted);
        int n = series.size();
        String[][] columns = new String[7][n];
        for (int i = 0; i < n; i++) {
            Series s = series.get(i);
            columns[0][i] = s.source();
            columns[1][i] = s.subject();
            columns[2][i] = s.modelId();
            columns[3][i] = s.region();
            columns[4][i] = s.serviceTier();
            columns[5][i] = s.dimension();
            columns[6][i] = s.rateCardVersion();
        }
        String wantedRows = "unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
                + " as w(source, subject, model_id, region, service_tier, dimension, rate_card_version)";
        try (PreparedStatement add = c.prepareStatement(
                "insert into spend_series (source, subject, model_id, region, service_tier, dimension, rate_card_version)"
                        + " select * from " + wantedRows + " order by 1, 2, 3, 4, 5, 6, 7 on conflict do nothing")) {
            bind(c, add, columns);
            add.executeUpdate();
        }
        Map<Series, Integer> numbers = new HashMap<>();
        try (PreparedStatement find = c.prepareStatement(
                "select s.series_id, s.source, s.subject, s.model_id, s.region, s.service_tier, s.dimension, s.rate_card_version"
                        + " from spend_series s join " + wantedRows
                        + " using (source, subject, model_id, region, service_tier, dimension, rate_card_version)")) {
            bind(c, find, columns);
            try (ResultSet rs = find.executeQuery()) {
                while (rs.next()) {
                    numbers.put(new Series(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getString(8)), rs.getInt(1));
                }
            }
        }
        Set<Series> missing = new LinkedHashSet<>(wanted);
        missing.removeAll(numbers.keySet());
        if (!missing.isEmpty()) { // cannot happen while nothing deletes a series; said, not assumed
            throw new SQLException("series added but not found again: " + missing);
        }
        return numbers;
    }

    private static void bind(Connection c, PreparedStatement statement, String[][] columns) throws SQLException {
        for (int p = 0; p < columns.length; p++) {
            statement.setArray(p + 1, c.createArrayOf("text", columns[p]));
        }
    }
}
