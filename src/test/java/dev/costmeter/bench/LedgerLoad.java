package dev.costmeter.bench;

import org.postgresql.PGConnection;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.Statement;

/**
 * Loads ready-made aggregate rows into a benchmark's ledger in bulk: CSV in the columns of
 * {@code spend_aggregate} (bucket_start, source, subject, model_id, region, service_tier, dimension,
 * rate_card_version, quantity, cost_usd, events) into a temporary table, then each series once into
 * {@code spend_series} and the sums into {@code spend_total}. (The view's insert trigger would take
 * the rows too, one function call per row: minutes for the re-rate benchmark's 4 million.)
 */
final class LedgerLoad {

    private static final String SERIES = "source, subject, model_id, region, service_tier, dimension, rate_card_version";

    private LedgerLoad() {
    }

    /** Returns how many rows were loaded; a row whose bucket and series are already stored fails the load. */
    static long copyCsv(Connection c, InputStream csv) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("create temporary table aggregate_load as select * from spend_aggregate with no data");
            long rows = c.unwrap(PGConnection.class).getCopyAPI().copyIn("copy aggregate_load (bucket_start, " + SERIES
                    + ", quantity, cost_usd, events) from stdin with (format csv)", csv);
            s.execute("insert into spend_series (" + SERIES + ") select distinct " + SERIES + " from aggregate_load order by 1, 2, 3, 4, 5, 6, 7"
                    + " on conflict do nothing");
            s.execute("insert into spend_total (bucket_start, series_id, quantity, cost_usd, events)"
                    + " select l.bucket_start, s.series_id, l.quantity, l.cost_usd, l.events from aggregate_load l join spend_series s using (" + SERIES + ")");
            s.execute("drop table aggregate_load");
            s.execute("analyze spend_series, spend_total");
            return rows;
        }
    }
}
