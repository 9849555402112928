package dev.costmeter.estimate;

import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Money;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a change costs: two estimates (two scenarios, or one scenario under two rate cards), or a
 * file of events under two cards, compared line by line — before, after, delta — as Markdown for a
 * pull-request comment or as JSON. Exact decimals; pure.
 *
 * @param lines  per component (or source and model) and dimension
 * @param totals the named totals; {@link #risesAbove} looks at these
 */
public record CostDiff(String title, String before, String after, List<Line> lines, List<Total> totals) {

    /** One component's (or source and model's) cost in one dimension, before and after; zero where absent. */
    public record Line(String item, String dimension, BigDecimal beforeQuantity, BigDecimal afterQuantity, BigDecimal beforeUsd,
                       BigDecimal afterUsd) {
        public BigDecimal deltaUsd() {
            return afterUsd.subtract(beforeUsd);
        }
    }

    public record Total(String name, BigDecimal beforeUsd, BigDecimal afterUsd) {
        public BigDecimal deltaUsd() {
            return afterUsd.subtract(beforeUsd);
        }

        /** Change in percent of before, 2 decimals; null when before is 0 (from nothing, any cost is a rise). */
        public BigDecimal percent() {
            if (beforeUsd.signum() == 0) {
                return null;
            }
            return deltaUsd().multiply(BigDecimal.valueOf(100)).divide(beforeUsd, MathContext.DECIMAL64).setScale(2, RoundingMode.HALF_UP);
        }
    }

    /** Two monthly estimates, component by component and dimension by dimension. */
    public static CostDiff of(Estimator.Estimate before, Estimator.Estimate after, String beforeLabel, String afterLabel) {
        Sides lines = new Sides();
        for (int side = 0; side < 2; side++) {
            for (Estimator.ComponentCost c : (side == 0 ? before : after).components()) {
                if (c.declared()) {
                    lines.add(side, c.name(), "(declared)", BigDecimal.ZERO, c.monthlyUsd());
                }
                for (CostLine l : c.monthlyLines()) {
                    lines.add(side, c.name(), l.dimension().id(), l.quantity(), l.costUsd());
                }
            }
        }
        Map<String, BigDecimal[]> totals = new LinkedHashMap<>();
        before.totals().forEach(t -> totals.put(t.name(), new BigDecimal[] {t.monthlyUsd(), BigDecimal.ZERO}));
        after.totals().forEach(t -> totals.computeIfAbsent(t.name(), n -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO})[1] = t.monthlyUsd());
        String title = before.scenario().equals(after.scenario()) ? before.scenario() : before.scenario() + " → " + after.scenario();
        return new CostDiff(title + " (a month)", beforeLabel, afterLabel, lines.lines(),
                totals.entrySet().stream().map(e -> new Total(e.getKey(), e.getValue()[0], e.getValue()[1])).toList());
    }

    /**
     * The same events priced under two cards (each event in both lists, in the same order), by source
     * and model and dimension, with one total.
     */
    public static CostDiff ofEvents(String title, String beforeLabel, String afterLabel, List<dev.costmeter.pricing.PricedEvent> before,
                                    List<dev.costmeter.pricing.PricedEvent> after) {
        Sides lines = new Sides();
        BigDecimal[] total = {BigDecimal.ZERO, BigDecimal.ZERO};
        for (int side = 0; side < 2; side++) {
            for (dev.costmeter.pricing.PricedEvent e : side == 0 ? before : after) {
                for (CostLine l : e.lines()) {
                    lines.add(side, e.event().source() + " / " + e.baseModelId(), l.dimension().id(), l.quantity(), l.costUsd());
                }
                total[side] = total[side].add(e.totalUsd());
            }
        }
        return new CostDiff(title, beforeLabel, afterLabel, lines.lines(), List.of(new Total("Total", total[0], total[1])));
    }

    /** Quantities and costs per item and dimension, summed on each side (0 before, 1 after); zero where a side has none. */
    private static final class Sides {
        private final Map<List<String>, BigDecimal[]> sums = new LinkedHashMap<>(); // quantity before, after; cost before, after

        void add(int side, String item, String dimension, BigDecimal quantity, BigDecimal costUsd) {
            BigDecimal[] s = sums.computeIfAbsent(List.of(item, dimension),
                    k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
            s[side] = s[side].add(quantity);
            s[2 + side] = s[2 + side].add(costUsd);
        }

        List<Line> lines() {
            return sums.entrySet().stream().map(x -> new Line(x.getKey().get(0), x.getKey().get(1), x.getValue()[0], x.getValue()[1],
                    x.getValue()[2], x.getValue()[3])).toList();
        }
    }

    /** Whether any total rises by more than {@code percent} (a total that was 0 and is not rises without bound). */
    public boolean risesAbove(BigDecimal percent) {
        return totals.stream().anyMatch(t -> t.percent() == null ? t.afterUsd().signum() > 0 : t.percent().compareTo(percent) > 0);
    }

    /** A Markdown table fit for a pull-request comment. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("### Cost change: ").append(title).append("\n\n");
        md.append("Before: ").append(before).append(" · After: ").append(after).append(" · USD, exact\n\n");
        md.append("| total | before | after | delta | change |\n|---|---:|---:|---:|---:|\n");
        for (Total t : totals) {
            md.append("| ").append(t.name()).append(" | ").append(dollars(t.beforeUsd())).append(" | ").append(dollars(t.afterUsd()))
                    .append(" | ").append(signed(t.deltaUsd())).append(" | ")
                    .append(t.percent() == null ? (t.afterUsd().signum() > 0 ? "new" : "—") : signed(t.percent()) + "%").append(" |\n");
        }
        md.append("\n| item | dimension | quantity before | quantity after | before | after | delta |\n|---|---|---:|---:|---:|---:|---:|\n");
        for (Line l : lines) {
            md.append("| ").append(l.item()).append(" | ").append(l.dimension()).append(" | ").append(Money.plain(l.beforeQuantity()))
                    .append(" | ").append(Money.plain(l.afterQuantity())).append(" | ").append(dollars(l.beforeUsd())).append(" | ")
                    .append(dollars(l.afterUsd())).append(" | ").append(signed(l.deltaUsd())).append(" |\n");
        }
        return md.toString();
    }

    /** The same as JSON-ready maps: money as decimal strings. */
    public Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("title", title);
        out.put("before", before);
        out.put("after", after);
        List<Map<String, Object>> t = new ArrayList<>();
        for (Total total : totals) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", total.name());
            m.put("before_usd", Money.plain(total.beforeUsd()));
            m.put("after_usd", Money.plain(total.afterUsd()));
            m.put("delta_usd", Money.plain(total.deltaUsd()));
            m.put("change_percent", total.percent() == null ? null : total.percent().toPlainString());
            t.add(m);
        }
        out.put("totals", t);
        List<Map<String, Object>> l = new ArrayList<>();
        for (Line line : lines) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("item", line.item());
            m.put("dimension", line.dimension());
            m.put("quantity_before", Money.plain(line.beforeQuantity()));
            m.put("quantity_after", Money.plain(line.afterQuantity()));
            m.put("before_usd", Money.plain(line.beforeUsd()));
            m.put("after_usd", Money.plain(line.afterUsd()));
            m.put("delta_usd", Money.plain(line.deltaUsd()));
            l.add(m);
        }
        out.put("lines", l);
        return out;
    }

    /** Exact, with at least cents: 1350 → 1350.00, 0.0009 → 0.0009. */
    public static String dollars(BigDecimal usd) {
        BigDecimal plain = usd.stripTrailingZeros();
        return plain.scale() < 2 ? plain.setScale(2, RoundingMode.UNNECESSARY).toPlainString() : plain.toPlainString();
    }

    private static String signed(BigDecimal v) {
        return (v.signum() > 0 ? "+" : "") + dollars(v);
    }
}
