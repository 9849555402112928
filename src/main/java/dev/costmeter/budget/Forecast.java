package dev.costmeter.budget;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;

/**
 * The spend a period will end with, better than a straight line:
 * <ol>
 *   <li><b>Weekday pattern.</b> Each weekday's factor is its mean spend divided by the mean daily
 *       spend (a business app spends less at weekends), learnt from the complete days more than a
 *       week old — so a change in the last days is read as a new level, not as a pattern — when
 *       there are at least two weeks of them. Otherwise every factor is 1.</li>
 *   <li><b>Recent level.</b> The base daily spend is an exponentially weighted mean of the last 14
 *       complete days with the weekday pattern taken out (each day divided by its factor), with a
 *       half-life of 3 days: a ramp-up of the last days counts more than last month.</li>
 *   <li><b>Projection.</b> forecast = spent so far + the rest of today (today's expected spend ×
 *       the fraction of today still to come, less what today already spent, never below 0) + for
 *       each remaining whole day of the period, base × that weekday's factor.</li>
 * </ol>
 * Without a single complete day of history it falls back to a straight line over the elapsed part
 * of the period. Pure, in decimals: spent so far is added exactly; the projection is an estimate
 * (16 significant digits), and the forecast is rounded to cents.
 */
public final class Forecast {

    static final int LEVEL_DAYS = 14;
    static final double HALF_LIFE_DAYS = 3.0;
    static final int PATTERN_MIN_DAYS = 14;
    static final int PATTERN_SKIPS_LAST_DAYS = 7;
    /** 16 significant digits: a forecast is an estimate, rounded to cents at the end. */
    private static final MathContext MC = MathContext.DECIMAL64;

    private Forecast() {
    }

    /**
     * @param dailySpend spend by UTC day, for complete days before today (up to the last 28 or so)
     *                   and today so far; days without spend may be absent (they count as 0 once
     *                   the history has begun)
     */
    public static BigDecimal periodEnd(Instant periodStart, Instant periodEnd, Instant now, BigDecimal spentInPeriod,
                                       Map<LocalDate, BigDecimal> dailySpend) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate firstDay = dailySpend.keySet().stream().filter(d -> d.isBefore(today)).min(LocalDate::compareTo).orElse(null);
        if (firstDay == null) {
            return straightLine(periodStart, periodEnd, now, spentInPeriod);
        }
        int historyDays = (int) (today.toEpochDay() - firstDay.toEpochDay());
        Map<DayOfWeek, BigDecimal> factor = weekdayFactors(dailySpend, firstDay, today);

        BigDecimal weighted = BigDecimal.ZERO;
        BigDecimal weights = BigDecimal.ZERO;
        for (int age = 1; age <= Math.min(LEVEL_DAYS, historyDays); age++) {
            LocalDate day = today.minusDays(age);
            BigDecimal f = factor.get(day.getDayOfWeek());
            BigDecimal deseasonalised = f.signum() == 0 ? BigDecimal.ZERO : spend(dailySpend, day).divide(f, MC);
            BigDecimal w = BigDecimal.valueOf(Math.pow(0.5, (age - 1) / HALF_LIFE_DAYS)); // a weight, not money
            weighted = weighted.add(w.multiply(deseasonalised, MC), MC);
            weights = weights.add(w, MC);
        }
        BigDecimal base = weighted.divide(weights, MC);

        Instant endOfToday = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant todayEnds = endOfToday.isAfter(periodEnd) ? periodEnd : endOfToday; // the period may end today
        BigDecimal todayFraction = BigDecimal.valueOf(Math.max(0, Duration.between(now, todayEnds).toMillis()))
                .divide(BigDecimal.valueOf(86_400_000L), MC);
        BigDecimal projection = base.multiply(factor.get(today.getDayOfWeek()), MC).multiply(todayFraction, MC);
        for (LocalDate day = today.plusDays(1); day.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(periodEnd); day = day.plusDays(1)) {
            projection = projection.add(base.multiply(factor.get(day.getDayOfWeek()), MC), MC);
        }
        return spentInPeriod.add(projection).setScale(2, RoundingMode.HALF_UP);
    }

    /** Spent so far, scaled to the whole period. */
    static BigDecimal straightLine(Instant periodStart, Instant periodEnd, Instant now, BigDecimal spent) {
        long elapsed = Math.max(1, Duration.between(periodStart, now).toMillis());
        long length = Duration.between(periodStart, periodEnd).toMillis();
        return spent.multiply(BigDecimal.valueOf(length)).divide(BigDecimal.valueOf(elapsed), MC).setScale(2, RoundingMode.HALF_UP);
    }

    private static Map<DayOfWeek, BigDecimal> weekdayFactors(Map<LocalDate, BigDecimal> dailySpend, LocalDate firstDay, LocalDate today) {
        Map<DayOfWeek, BigDecimal> factor = new EnumMap<>(DayOfWeek.class);
        for (DayOfWeek d : DayOfWeek.values()) {
            factor.put(d, BigDecimal.ONE);
        }
        LocalDate patternEnd = today.minusDays(PATTERN_SKIPS_LAST_DAYS);
        int patternDays = (int) (patternEnd.toEpochDay() - firstDay.toEpochDay());
        if (patternDays < PATTERN_MIN_DAYS) {
            return factor;
        }
        BigDecimal total = BigDecimal.ZERO;
        Map<DayOfWeek, BigDecimal> sums = new EnumMap<>(DayOfWeek.class);
        Map<DayOfWeek, Integer> counts = new EnumMap<>(DayOfWeek.class);
        for (LocalDate day = firstDay; day.isBefore(patternEnd); day = day.plusDays(1)) {
            BigDecimal s = spend(dailySpend, day);
            total = total.add(s);
            sums.merge(day.getDayOfWeek(), s, BigDecimal::add);
            counts.merge(day.getDayOfWeek(), 1, Integer::sum);
        }
        BigDecimal mean = total.divide(BigDecimal.valueOf(patternDays), MC);
        if (mean.signum() <= 0) {
            return factor;
        }
        sums.forEach((d, sum) -> factor.put(d, sum.divide(BigDecimal.valueOf(counts.get(d)), MC).divide(mean, MC)));
        return factor;
    }

    private static BigDecimal spend(Map<LocalDate, BigDecimal> dailySpend, LocalDate day) {
        BigDecimal s = dailySpend.get(day);
        return s == null ? BigDecimal.ZERO : s;
    }
}
