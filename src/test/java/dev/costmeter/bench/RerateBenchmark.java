package dev.costmeter.bench;

import dev.costmeter.decoding.Attribution;
import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.decoding.UsageRecordDecoder;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardLoader;
import dev.costmeter.rerate.Rerating;
import dev.costmeter.storage.RerateLedger;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.tools.SyntheticUsage;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Re-rating a month: the end-to-end benchmark's synthetic events (SyntheticUsage, default 2,000,000)
 * spread evenly over 30 days of March 2026, decoded and priced by the production decoder and pricer
 * under the bundled card, summed into minute aggregates as the service keeps them and loaded into a
 * PostgreSQL database of its own; then a correction of the card (Claude Haiku 4.5 and Sonnet 4.5
 * input, Flex, Guardrails) is applied to the whole month in one transaction, and its total checked
 * against the same events priced fresh under the correction.
 *
 * <p>{@code bench/rerate [EVENTS]}
 */
public final class RerateBenchmark {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        Duration bucket = args.length > 1 ? Duration.parse(args[1]) : Duration.ofMinutes(1); // costmeter.aggregation.bucket
        String bundled = new String(RerateBenchmark.class.getClassLoader().getResourceAsStream("ratecards/2026-02.yaml").readAllBytes(),
                StandardCharsets.UTF_8);
        RateCard original = RateCardLoader.parse(bundled);
        RateCard correction = RateCardLoader.parse(bundled.replace("version: \"2026-02\"", "version: \"2026-02-corrected\"\ncorrects: \"2026-02\"")
                .replace("name: \"Claude Haiku 4.5\",  input: \"1.00\"", "name: \"Claude Haiku 4.5\",  input: \"0.80\"")
                .replace("name: \"Claude Sonnet 4.5\", input: \"3.00\"", "name: \"Claude Sonnet 4.5\", input: \"2.70\"")
                .replace("flex: \"0.5\"", "flex: \"0.45\"")
                .replace("guardrail_content_policy_units: \"0.15 per 1000\"", "guardrail_content_policy_units: \"0.12 per 1000\""));
        List<String> report = new ArrayList<>();
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        long spacing = Duration.ofDays(30).toNanos() / events;
        SyntheticUsage usage = new SyntheticUsage(1, "bench", start, spacing);
        CloudEventDecoder.Limits limits = new CloudEventDecoder.Limits(1 << 20, 1_000_000_000_000L, Duration.ofDays(36_500));
        UsageRecordDecoder decoder = new UsageRecordDecoder(new CloudEventDecoder(limits, Clock.systemUTC()), limits, Attribution.defaults());
        Pricer pricer = new Pricer();

        long t0 = System.nanoTime();
        Map<List<Object>, Object[]> aggregates = new HashMap<>();
        BigDecimal freshTotal = BigDecimal.ZERO;
        BigDecimal originalTotal = BigDecimal.ZERO;
        long unpriced = 0;
        for (long i = 0; i < events; i++) {
            byte[] record = usage.event(i).getBytes(StandardCharsets.UTF_8);
            var event = decoder.decode(record).event();
            if (!(pricer.price(event, original) instanceof PricingResult.Priced priced)
                    || !(pricer.price(event, correction) instanceof PricingResult.Priced fresh)) {
                unpriced++;
                continue;
            }
            freshTotal = freshTotal.add(fresh.pricedEvent().totalUsd());
            PricedEvent p = priced.pricedEvent();
            originalTotal = originalTotal.add(p.totalUsd());
            for (CostLine line : p.lines()) {
                List<Object> key = List.of(Instant.ofEpochSecond(event.time().getEpochSecond() / bucket.toSeconds() * bucket.toSeconds()), event.source(), event.subject() == null ? "" : event.subject(),
                        p.baseModelId() == null ? "" : p.baseModelId(), p.region(), event.serviceTier() == null ? "default" : event.serviceTier(),
                        line.dimension().id());
                Object[] sums = aggregates.computeIfAbsent(key, k -> new Object[] {BigDecimal.ZERO, BigDecimal.ZERO, 0L});
                sums[0] = ((BigDecimal) sums[0]).add(line.quantity());
                sums[1] = ((BigDecimal) sums[1]).add(line.costUsd());
                sums[2] = (Long) sums[2] + 1;
            }
        }
        report.add(String.format("events: %,d over 30 days (%,d unpriced, left out); priced and aggregated in %.1f s: %,d aggregates of %s",
                events, unpriced, (System.nanoTime() - t0) / 1e9, aggregates.size(), bucket));

        String dbUrl = RealPostgres.freshMigrated("bench_rerate");
        try (Connection c = DriverManager.getConnection(dbUrl, RealPostgres.user(), "")) {
            StringBuilder csv = new StringBuilder();
            for (Map.Entry<List<Object>, Object[]> e : aggregates.entrySet()) {
                List<Object> k = e.getKey();
                csv.append(k.get(0)).append(',').append(quote(k.get(1))).append(',').append(quote(k.get(2))).append(',').append(quote(k.get(3)))
                        .append(',').append(k.get(4)).append(',').append(k.get(5)).append(',').append(k.get(6)).append(",2026-02,")
                        .append(((BigDecimal) e.getValue()[0]).toPlainString()).append(',').append(((BigDecimal) e.getValue()[1]).toPlainString())
                        .append(',').append(e.getValue()[2]).append('\n');
            }
            try (InputStream in = new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8))) {
                LedgerLoad.copyCsv(c, in);
            }

            Map<String, RateCard> cards = Map.of("2026-02", original, "2026-02-corrected", correction);
            long applyStart = System.nanoTime();
            RerateLedger.Outcome outcome = RerateLedger.apply(c, UUID.randomUUID(), "bench", "the benchmark's correction",
                    correction.version(), List.of(new RerateLedger.Segment(start, start.plus(Duration.ofDays(30)), correction.version())), null,
                    null, (segment, combinations) -> {
                        Set<String> problems = new LinkedHashSet<>();
                        List<BigDecimal> prices = new ArrayList<>();
                        for (RerateLedger.Combination k : combinations) {
                            prices.add(Rerating.changedUnitPrice(new Rerating.Aggregate("", k.modelId(), k.tier(), Dimension.byId(k.dimension()),
                                    k.version(), k.quantity(), k.costUsd()), correction, cards::get, problems));
                        }
                        if (!problems.isEmpty()) {
                            throw new IllegalStateException(String.join("; ", problems));
                        }
                        return prices;
                    }, applied -> { });
            double seconds = (System.nanoTime() - applyStart) / 1e9;
            RerateLedger.Applied applied = outcome.applied();
            report.add(String.format("re-rate applied in %.2f s: %,d aggregates rewritten (%,.0f a second; those the correction does not "
                            + "change are left alone), %,d per-key lines; $%s -> $%s (%s)", seconds,
                    applied.aggregates(), applied.aggregates() / seconds, applied.lines().size(), Money.plain(applied.oldTotalUsd()),
                    Money.plain(applied.newTotalUsd()), Money.plain(applied.deltaUsd())));
            BigDecimal ledger;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select sum(cost_usd), count(*) from spend_aggregate")) {
                rs.next();
                ledger = rs.getBigDecimal(1);
                report.add(String.format("after: %,d aggregates", rs.getLong(2)));
            }
            report.add(String.format("exact: priced under 2026-02 $%s (ledger before %s); the ledger after $%s; the same events priced fresh "
                            + "under the correction $%s: %s", Money.plain(originalTotal), Money.plain(applied.oldTotalUsd()), Money.plain(ledger),
                    Money.plain(freshTotal), ledger.compareTo(freshTotal) == 0 ? "EQUAL" : "DIFFERENT"));
        }
        System.out.println("\n==== costmeter re-rate benchmark ====");
        report.forEach(System.out::println);
    }

    private static String quote(Object v) {
        String s = String.valueOf(v);
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
