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
 * That needs history: {@link #project} uses it only with at least {@link Rules#minHistoryDays} complete
 * days since the scope's first spend. With less, it projects the run rate since the first spend (not
 * since the period began: $1 at 00:00:01 is not $2.6M a month), once that is at least
 * {@link Rules#minObservation} old; before that the forecast is what has been spent. Each projection
 * comes with its method and a range, and forecast <em>alerts</em> are held until the history, or
 * enough of the period, supports them. Pure, in decimals: spent so far is added exactly; the
 * projection is an estimate (16 significant digits), and the forecast is rounded to cents.
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
     * When a forecast may be trusted.
     *
     * @param minHistoryDays        complete days of spend since the first spend in scope for the weighted history
     * @param minObservation        how long after the first spend a run rate is projected at all
     * @param alertAfterPeriodShare without enough history, forecast alerts wait until this share of the period has passed
     */
    public record Rules(int minHistoryDays, Duration minObservation, BigDecimal alertAfterPeriodShare) {
        public static final Rules DEFAULT = new Rules(3, Duration.ofHours(6), new BigDecimal("0.25"));
    }

    /**
     * A forecast, how it was made, and how far to trust it.
     *
     * @param method "weighted history", "run rate since first spend" or "spent so far (too little data)"
     * @param held   why forecast alerts are held, or null when the forecast may alert
     */
    public record Projection(BigDecimal expectedUsd, BigDecimal lowUsd, BigDecimal highUsd, String method, String held) {
    }

    /**
     * @param firstSpend the scope's first spend (the earliest in the history looked at), or null if none yet
     */
    public static Projection project(Instant periodStart, Instant periodEnd, Instant now, BigDecimal spentInPeriod,
                                     Map<LocalDate, BigDecimal> dailySpend, Instant firstSpend, Rules rules) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        long historyDays = firstSpend == null ? 0 : Math.max(0, today.toEpochDay() - LocalDate.ofInstant(firstSpend, ZoneOffset.UTC).toEpochDay());
        BigDecimal periodShare = BigDecimal.valueOf(Math.max(0, Duration.between(periodStart, now).toMillis()))
                .divide(BigDecimal.valueOf(Duration.between(periodStart, periodEnd).toMillis()), MC);
        String held = periodShare.compareTo(rules.alertAfterPeriodShare()) >= 0 ? null
                : "forecast alerts wait for " + rules.minHistoryDays() + " days of spend history or "
                + rules.alertAfterPeriodShare().movePointRight(2).stripTrailingZeros().toPlainString() + "% of the period (now: "
                + historyDays + " days, " + periodShare.movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString() + "%)";
        if (historyDays >= rules.minHistoryDays()) {
            BigDecimal[] range = new BigDecimal[2];
            BigDecimal expected = periodEnd(periodStart, periodEnd, now, spentInPeriod, dailySpend, range);
            return new Projection(expected, range[0], range[1], "weighted history", null);
        }
        Instant observedFrom = firstSpend == null || firstSpend.isBefore(periodStart) ? periodStart : firstSpend;
        Duration observed = Duration.between(observedFrom, now);
        BigDecimal runRateProjection = spentInPeriod.add(spentInPeriod.multiply(BigDecimal.valueOf(Math.max(0, Duration.between(now, periodEnd).toMillis())))
                .divide(BigDecimal.valueOf(Math.max(1, observed.toMillis())), MC)).setScale(2, RoundingMode.HALF_UP);
        BigDecimal spent = spentInPeriod.setScale(2, RoundingMode.HALF_UP);
        if (firstSpend == null || observed.compareTo(rules.minObservation()) < 0) {
            return new Projection(spent, spent, runRateProjection.max(spent), "spent so far (too little data)",
                    held == null ? "the first spend in scope is less than " + rules.minObservation() + " old" : held);
        }
        BigDecimal high = runRateProjection.add(runRateProjection.subtract(spent)); // a run rate from so little may be off by its size
        return new Projection(runRateProjection, spent, high, "run rate since first spend", held);
    }

    /**
     * @param dailySpend spend by UTC day, for complete days before today (up to the last 28 or so)
     *                   and today so far; days without spend may be absent (they count as 0 once
     *                   the history has begun)
     */
    public static BigDecimal periodEnd(Instant periodStart, Instant periodEnd, Instant now, BigDecimal spentInPeriod,
                                       Map<LocalDate, BigDecimal> dailySpend) {
        return periodEnd(periodStart, periodEnd, now, spentInPeriod, dailySpend, new BigDecimal[2]);
    }

    /** The weighted-history forecast; {@code range} receives the low and high ends (the daily level ± its spread). */
    static BigDecimal periodEnd(Instant periodStart, Instant periodEnd, Instant now, BigDecimal spentInPeriod,
                                Map<LocalDate, BigDecimal> dailySpend, BigDecimal[] range) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate firstDay = dailySpend.keySet().stream().filter(d -> d.isBefore(today)).min(LocalDate::compareTo).orElse(null);
        if (firstDay == null) {
            BigDecimal line = straightLine(periodStart, periodEnd, now, spentInPeriod);
            range[0] = spentInPeriod.setScale(2, RoundingMode.HALF_UP);
            range[1] = line;
            return line;
        }
        int historyDays = (int) (today.toEpochDay() - firstDay.toEpochDay());
        Map<DayOfWeek, BigDecimal> factor = weekdayFactors(dailySpend, firstDay, today);

        BigDecimal weighted = BigDecimal.ZERO;
        BigDecimal weights = BigDecimal.ZERO;
        BigDecimal weightedSquares = BigDecimal.ZERO;
        for (int age = 1; age <= Math.min(LEVEL_DAYS, historyDays); age++) {
            LocalDate day = today.minusDays(age);
            BigDecimal f = factor.get(day.getDayOfWeek());
            BigDecimal deseasonalised = f.signum() == 0 ? BigDecimal.ZERO : spend(dailySpend, day).divide(f, MC);
            BigDecimal w = BigDecimal.valueOf(Math.pow(0.5, (age - 1) / HALF_LIFE_DAYS)); // a weight, not money
            weighted = weighted.add(w.multiply(deseasonalised, MC), MC);
            weightedSquares = weightedSquares.add(w.multiply(deseasonalised.multiply(deseasonalised, MC), MC), MC);
            weights = weights.add(w, MC);
        }
        BigDecimal base = weighted.divide(weights, MC);
        // the spread of the daily level: the weighted standard deviation of the days it is made of
        BigDecimal variance = weightedSquares.divide(weights, MC).subtract(base.multiply(base, MC)).max(BigDecimal.ZERO);
        BigDecimal spread = BigDecimal.valueOf(Math.sqrt(variance.doubleValue()));

        Instant endOfToday = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant todayEnds = endOfToday.isAfter(periodEnd) ? periodEnd : endOfToday; // the period may end today
        BigDecimal todayFraction = BigDecimal.valueOf(Math.max(0, Duration.between(now, todayEnds).toMillis()))
                .divide(BigDecimal.valueOf(86_400_000L), MC);
        BigDecimal projection = base.multiply(factor.get(today.getDayOfWeek()), MC).multiply(todayFraction, MC);
        for (LocalDate day = today.plusDays(1); day.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(periodEnd); day = day.plusDays(1)) {
            projection = projection.add(base.multiply(factor.get(day.getDayOfWeek()), MC), MC);
        }
        BigDecimal expected = spentInPeriod.add(projection).setScale(2, RoundingMode.HALF_UP);
        if (base.signum() == 0) {
            range[0] = expected;
            range[1] = expected;
        } else { // the projection scales with the level: at level ± spread
            range[0] = spentInPeriod.add(projection.multiply(base.subtract(spread).max(BigDecimal.ZERO), MC).divide(base, MC)).setScale(2, RoundingMode.HALF_UP);
            range[1] = spentInPeriod.add(projection.multiply(base.add(spread), MC).divide(base, MC)).setScale(2, RoundingMode.HALF_UP);
        }
        return expected;
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
