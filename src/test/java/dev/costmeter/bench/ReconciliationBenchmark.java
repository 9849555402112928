package dev.costmeter.bench;

import dev.costmeter.decoding.Attribution;
import dev.costmeter.export.FocusColumns;
import dev.costmeter.export.FocusExport;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.reconcile.BillFixtures;
import dev.costmeter.reconcile.BillReader;
import dev.costmeter.reconcile.Reconciler;
import dev.costmeter.reconcile.UsageType;
import dev.costmeter.storage.FocusRows;
import dev.costmeter.storage.ReconciliationRows;
import dev.costmeter.testing.RealPostgres;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reconciliation at a month's scale: a synthetic CUR 2.0 month of N Bedrock line items (default
 * 1,000,000; 30 days × 24 hours × the card's token models × input/output × 20 IAM principals), a
 * matching set of aggregates in a PostgreSQL database of its own, one model planted 10% cheaper on
 * the bill. Measures reading and summing the bill (gzip CSV and Parquet), the ledger's day sums, the
 * comparison, and a month of hourly FOCUS rows exported from the same aggregates; reports rows/s
 * and the JVM's peak heap (DuckDB's memory is native: the process's peak resident size is reported too).
 *
 * <p>{@code bench/reconcile [LINES]}
 */
public final class ReconciliationBenchmark {

    public static void main(String[] args) throws Exception {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createDirectories(Path.of("target/bench-reconcile"));
        RateCard card = RateCardCatalog.loadBundled().get(0);
        List<String[]> models = card.usageTypeModels().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .filter(m -> card.resolveModel(m.getKey()).unitPrice("default", Dimension.INPUT_TOKENS) != null
                        && card.resolveModel(m.getKey()).unitPrice("default", Dimension.OUTPUT_TOKENS) != null)
                .map(m -> new String[] {m.getKey(), m.getValue(), card.resolveModel(m.getKey()).unitPrice("default", Dimension.INPUT_TOKENS).toPlainString(),
                        card.resolveModel(m.getKey()).unitPrice("default", Dimension.OUTPUT_TOKENS).toPlainString()})
                .toList();
        // the dearest model is billed at 90% of the card's price: its keys are "price differs", a draft card's case
        String cheaper = models.stream().max(java.util.Comparator.comparing(m -> new BigDecimal(m[2]))).orElseThrow()[0];
        List<String> report = new ArrayList<>();
        report.add(String.format("bill lines: %,d  models: %d  machine: %d cores, max heap %d MB", lines, models.size(),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20));

        // The month, as a DuckDB table: line i is day i % 30, hour (i / 30) % 24, model (i / 720) % M, principal (i / 7) % 20
        String values = models.stream().map(m -> "('" + m[0] + "', '" + m[1] + "', " + m[2] + "::DECIMAL(38,18), " + m[3] + "::DECIMAL(38,18))")
                .collect(Collectors.joining(", "));
        String month = "WITH m AS (SELECT row_number() OVER () - 1 AS n, * FROM (VALUES " + values + ") AS t(model_id, usage_name, input_price, output_price)), "
                + "l AS (SELECT i, TIMESTAMPTZ '2026-07-01 00:00:00+00' + to_days(CAST(i % 30 AS INTEGER)) + to_hours(CAST((i // 30) % 24 AS INTEGER)) AS start, "
                + "(i // 720) % " + models.size() + " AS model_n, i % 2 AS output, (i // 7) % 20 AS principal, CAST(1000 + i % 997 AS DECIMAL(38,0)) AS quantity "
                + "FROM range(" + lines + ") r(i)) "
                + "SELECT l.*, m.model_id, m.usage_name, CASE WHEN output = 1 THEN output_price ELSE input_price END * quantity "
                + "* CASE WHEN m.model_id = '" + cheaper + "' THEN 0.9 ELSE 1 END AS bill_cost, "
                + "CASE WHEN output = 1 THEN output_price ELSE input_price END * quantity AS card_cost FROM l JOIN m ON l.model_n = m.n";
        Path curGz = dir.resolve("cur-2026-07.csv.gz");
        Path curParquet = dir.resolve("cur-2026-07.parquet");
        Path aggregates = dir.resolve("aggregates.csv");
        long t0 = System.nanoTime();
        String cur = "SELECT strftime(start, '%Y-%m-%dT%H:%M:%SZ') AS line_item_usage_start_date, 'AmazonBedrock' AS line_item_product_code, "
                + "'Usage' AS line_item_line_item_type, 'USE1-' || usage_name || CASE WHEN output = 1 THEN '-output-tokens' ELSE '-input-tokens' END "
                + "AS line_item_usage_type, quantity AS line_item_usage_amount, bill_cost AS line_item_unblended_cost, 'USD' AS line_item_currency_code, "
                + "'us-east-1' AS product_region_code, 'Tokens' AS pricing_unit, 'arn:aws:iam::123456789012:role/bench-app-' || principal "
                + "AS line_item_iam_principal FROM (" + month + ")";
        BillFixtures.duck("COPY (" + cur + ") TO '" + curGz + "' (FORMAT csv, HEADER, COMPRESSION gzip)");
        BillFixtures.duck("COPY (SELECT * REPLACE (CAST(line_item_usage_amount AS DOUBLE) AS line_item_usage_amount, "
                + "CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost, CAST(line_item_usage_start_date AS TIMESTAMP) "
                + "AS line_item_usage_start_date) FROM (" + cur + ")) TO '" + curParquet + "' (FORMAT parquet)");
        BillFixtures.duck("COPY (SELECT start, 'bench-app-' || principal AS source, '' AS subject, model_id, 'us-east-1' AS region, "
                + "'default' AS service_tier, CASE WHEN output = 1 THEN 'output_tokens' ELSE 'input_tokens' END AS dimension, '2026-02' AS card, "
                + "sum(quantity) AS quantity, sum(card_cost) AS cost, count(*) AS events FROM (" + month + ") GROUP BY ALL) TO '" + aggregates
                + "' (FORMAT csv, HEADER false)");
        report.add(String.format("fixtures: %.1f s (gzip CSV %,d bytes, Parquet %,d bytes)", (System.nanoTime() - t0) / 1e9, Files.size(curGz),
                Files.size(curParquet)));

        String dbUrl = RealPostgres.freshMigrated("bench_reconcile");
        try (Connection c = DriverManager.getConnection(dbUrl, RealPostgres.user(), "")) {
            long copied;
            try (var in = Files.newInputStream(aggregates)) {
                copied = LedgerLoad.copyCsv(c, in);
            }
            report.add(String.format("aggregates: %,d rows in PostgreSQL", copied));

            Map<String, String> principals = new java.util.HashMap<>();
            for (int p = 0; p < 20; p++) {
                principals.put("arn:aws:iam::123456789012:role/bench-app-" + p, "bench-app-" + p);
            }
            Attribution attribution = new Attribution("unattributed", null, null, principals, Map.of(), Map.of());
            RateCardTimeline cards = new RateCardTimeline(RateCardCatalog.loadBundled());
            List<Dimension> tokens = Arrays.stream(Dimension.values()).filter(d -> UsageType.billDimension(d) != null).toList();
            for (Path bill : List.of(curGz, curParquet)) {
                for (int round = 0; round < 2; round++) { // the first round warms the JIT and the page cache; the second is reported
                    System.gc();
                    resetPeaks();
                    long start = System.nanoTime();
                    BillReader.Bill read = BillReader.read(bill, bill.getFileName().toString(), "USD");
                    long readDone = System.nanoTime();
                    LocalDate from = LocalDate.parse("2026-07-01");
                    LocalDate to = LocalDate.parse("2026-08-01");
                    List<ReconciliationRows.DaySum> metered = ReconciliationRows.metered(c, from, to, tokens);
                    long meteredDone = System.nanoTime();
                    Reconciler.Report result = Reconciler.reconcile(read, cards::cardAt, principal -> attribution.source(null, principal), metered,
                            ReconciliationRows.quarantined(c, from, to), new Reconciler.Options(new BigDecimal("0.01"), 2, LocalDate.parse("2026-07-30")));
                    long done = System.nanoTime();
                    if (round == 1) {
                        double seconds = (done - start) / 1e9;
                        report.add(String.format("reconcile %s: %,d lines in %.2f s = %,.0f lines/s (read and sum %.2f s, ledger %.2f s, compare %.2f s); "
                                        + "peak heap %d MB, peak resident %d MB", bill.getFileName(), lines, seconds, lines / seconds, (readDone - start) / 1e9,
                                (meteredDone - readDone) / 1e9, (done - meteredDone) / 1e9, peakHeapMb(), peakResidentMb()));
                        report.add("  keys: " + result.totals().entrySet().stream().filter(e -> e.getValue().keys() > 0)
                                .map(e -> e.getKey() + " " + e.getValue().keys()).sorted().collect(Collectors.joining(", "))
                                + String.format("; billed $%s, metered $%s", Money.plain(result.billedCost()), Money.plain(result.meteredCost())));
                    }
                }
            }

            FocusColumns columns = new FocusColumns(new FocusColumns.Account("123456789012", null, "Account"));
            Path focus = dir.resolve("focus-2026-07-hourly.csv");
            System.gc();
            resetPeaks();
            long start = System.nanoTime();
            long rows;
            try (OutputStream out = Files.newOutputStream(focus)) {
                rows = FocusExport.writeCsv(out, columns, FocusRows.Granularity.HOURLY, sink -> FocusRows.stream(c,
                        Instant.parse("2026-07-01T00:00:00Z"), Instant.parse("2026-08-01T00:00:00Z"), FocusRows.Granularity.HOURLY, sink));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            report.add(String.format("FOCUS 1.2 export, hourly, July: %,d rows (%,d bytes) in %.2f s = %,.0f rows/s; peak heap %d MB", rows,
                    Files.size(focus), seconds, rows / seconds, peakHeapMb()));
        }
        System.out.println("\n==== costmeter reconciliation benchmark ====");
        report.forEach(System.out::println);
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeapMb() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum() >> 20;
    }

    /** VmHWM: the process's peak resident memory (the heap, and DuckDB's native buffers). */
    private static long peakResidentMb() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0) >> 10;
        } catch (Exception e) {
            return -1;
        }
    }
}
