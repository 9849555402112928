package dev.costmeter.reconcile;

import org.duckdb.DuckDBDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;

/**
 * The July 2026 bill of the reconciliation tests, in every form AWS Data Exports write: CUR 2.0 and
 * FOCUS 1.2, each as CSV, gzip CSV and Parquet. The CSVs (src/test/resources/bills) use AWS's column
 * names and usage-type patterns; the Parquet files type the columns as AWS does (costs and amounts
 * DOUBLE, dates TIMESTAMP), so the reader's exact decimals are tested from floating point too.
 *
 * <p>Planted, for costmeter's July events (see ReconciliationAcceptanceTest): on 2026-07-20 Nova
 * Lite input and output and Claude Haiku 4.5 output match; Haiku input is billed at $0.80 per 1M
 * (the card says $1.00: price differs); Haiku cache reads are billed 1.2M, metered 1M (quantity
 * differs); Nova Pro input has no events (not metered). On 2026-07-21 Nova Lite cache reads wait in
 * the quarantine (not metered) and a guardrail line is no token usage type (not metered). On
 * 2026-07-22, the bill's last day, Nova Lite input matches and its output is not billed yet. A tax
 * line and an EC2 line are not Bedrock usage.
 */
public final class BillFixtures {

    private BillFixtures() {
    }

    /** Writes every form into {@code dir}; by name: cur.csv, cur.csv.gz, cur.parquet, focus.csv, focus.csv.gz, focus.parquet. */
    public static Map<String, Path> writeAll(Path dir) {
        Map<String, Path> files = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (String kind : new String[]{"cur", "focus"}) {
                String resource = kind.equals("cur") ? "bills/cur2-2026-07.csv" : "bills/focus12-2026-07.csv";
                Path csv = dir.resolve(kind + ".csv");
                try (InputStream in = BillFixtures.class.getClassLoader().getResourceAsStream(resource)) {
                    Files.write(csv, in.readAllBytes());
                }
                files.put(kind + ".csv", csv);
                Path gz = dir.resolve(kind + ".csv.gz");
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
                    out.write(Files.readAllBytes(csv));
                }
                files.put(kind + ".csv.gz", gz);
                Path parquet = dir.resolve(kind + ".parquet");
                String typed = kind.equals("cur")
                        ? "CAST(line_item_usage_amount AS DOUBLE) AS line_item_usage_amount, "
                        + "CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost, "
                        + "CAST(line_item_unblended_rate AS DOUBLE) AS line_item_unblended_rate, "
                        + "CAST(line_item_usage_start_date AS TIMESTAMP) AS line_item_usage_start_date"
                        : "CAST(BilledCost AS DOUBLE) AS BilledCost, CAST(ConsumedQuantity AS DOUBLE) AS ConsumedQuantity, "
                        + "CAST(ChargePeriodStart AS TIMESTAMPTZ) AS ChargePeriodStart";
                String replaced = kind.equals("cur")
                        ? "line_item_usage_amount, line_item_unblended_cost, line_item_unblended_rate, line_item_usage_start_date"
                        : "BilledCost, ConsumedQuantity, ChargePeriodStart";
                duck("COPY (SELECT * EXCLUDE (" + replaced + "), " + typed + " FROM read_csv('" + csv + "', header = true, all_varchar = true))"
                        + " TO '" + parquet + "' (FORMAT parquet)");
                files.put(kind + ".parquet", parquet);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Runs one statement in an in-process DuckDB (to build a fixture). */
    public static void duck(String statement) {
        try (Connection duck = new DuckDBDriver().connect("jdbc:duckdb:", new Properties()); Statement sql = duck.createStatement()) {
            sql.execute("SET TimeZone = 'UTC'");
            sql.execute(statement);
        } catch (Exception e) {
            throw new IllegalStateException(statement, e);
        }
    }
}
