package dev.costmeter.export;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.storage.FocusRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.duckdb.DuckDBDriver;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

/**
 * costmeter's costs as a FOCUS 1.2 dataset in CSV (RFC 4180, a header row, UTF-8, an empty field for
 * null), streamed row by row from the ledger: BilledCost over the export adds up to the spend API's
 * total for the same range, exactly.
 */
@ApplicationScoped
public class FocusExport {

    @Inject
    FocusRows rows;
    @Inject
    CostmeterConfig config;

    /** @return how many rows were written */
    public long writeCsv(OutputStream out, Instant from, Instant to, FocusRows.Granularity granularity) throws Exception {
        CostmeterConfig.Focus focus = config.focus();
        FocusColumns columns = new FocusColumns(new FocusColumns.Account(focus.billingAccountId(), focus.billingAccountName().orElse(null),
                focus.billingAccountType()));
        return writeCsv(out, columns, granularity, sink -> rows.stream(from, to, granularity, sink));
    }

    /** Where the rows come from: the ledger's cursor, for the service or the benchmark. */
    @FunctionalInterface
    public interface RowSource {
        void stream(FocusRows.RowSink sink) throws Exception;
    }

    /** @return how many rows were written */
    public static long writeCsv(OutputStream out, FocusColumns columns, FocusRows.Granularity granularity, RowSource rows) throws Exception {
        Writer csv = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        line(csv, FocusColumns.ALL);
        long[] written = {0};
        rows.stream(row -> {
            line(csv, columns.values(row, granularity));
            written[0]++;
        });
        csv.flush();
        return written[0];
    }

    /**
     * The same dataset as Parquet (zstd), typed as FOCUS says: decimals as DECIMAL(38, 20), date/times
     * as timestamps with time zone, the rest as strings. The rows are streamed to a CSV file first and
     * DuckDB, in-process, converts it; the caller streams and deletes the result.
     *
     * @return the Parquet file
     */
    public Path writeParquet(Instant from, Instant to, FocusRows.Granularity granularity) throws Exception {
        Path csv = Files.createTempFile("costmeter-focus-", ".csv");
        Path parquet = Files.createTempFile("costmeter-focus-", ".parquet");
        try {
            try (OutputStream out = Files.newOutputStream(csv)) {
                writeCsv(out, from, to, granularity);
            }
            StringBuilder types = new StringBuilder("{");
            for (String column : FocusColumns.ALL) {
                if (types.length() > 1) {
                    types.append(", ");
                }
                types.append('\'').append(column).append("': '").append(FocusColumns.parquetType(column)).append('\'');
            }
            types.append('}');
            try (Connection duck = new DuckDBDriver().connect("jdbc:duckdb:", new Properties()); Statement statement = duck.createStatement()) {
                statement.execute("COPY (SELECT * FROM read_csv('" + csv + "', header = true, delim = ',', quote = '\"', escape = '\"', "
                        + "nullstr = '', columns = " + types + ")) TO '" + parquet + "' (FORMAT parquet, COMPRESSION zstd)");
            }
            return parquet;
        } catch (Exception e) {
            Files.deleteIfExists(parquet);
            throw e;
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    static void line(Writer csv, List<String> values) throws IOException {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                csv.write(',');
            }
            String v = values.get(i);
            if (v == null) {
                continue;
            }
            if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                csv.write('"');
                csv.write(v.replace("\"", "\"\""));
                csv.write('"');
            } else {
                csv.write(v);
            }
        }
        csv.write("\r\n");
    }
}
