package dev.costmeter.budget;

import java.math.BigDecimal;
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
 * of the period. Pure; the forecast is an estimate, so it is computed in doubles and rounded to
 * cents (spend itself is always exact).
 */
public final class Forecast {

    static final int LEVEL_DAYS = 14;
    static final double HALF_LIFE_DAYS = 3.0;
    static final int PATTERN_MIN_DAYS = 14;
    static final int PATTERN_SKIPS_LAST_DAYS = 7;

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
        Map<DayOfWeek, Double> factor = weekdayFactors(dailySpend, firstDay, today);

        double weighted = 0;
        double weights = 0;
        for (int age = 1; age <= Math.min(LEVEL_DAYS, historyDays); age++) {
            LocalDate day = today.minusDays(age);
            double f = factor.get(day.getDayOfWeek());
            double deseasonalised = f == 0 ? 0 : spend(dailySpend, day) / f;
            double w = Math.pow(0.5, (age - 1) / HALF_LIFE_DAYS);
            weighted += w * deseasonalised;
            weights += w;
        }
        double base = weighted / weights;

        double forecast = spentInPeriod.doubleValue();
        double todayFraction = Duration.between(now, today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()).toMillis() / 86_400_000.0;
        Instant endOfToday = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (endOfToday.isAfter(periodEnd)) { // the period ends today
            todayFraction = Duration.between(now, periodEnd).toMillis() / 86_400_000.0;
        }
        forecast += Math.max(0, base * factor.get(today.getDayOfWeek()) * todayFraction);
        for (LocalDate day = today.plusDays(1); day.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(periodEnd); day = day.plusDays(1)) {
            forecast += base * factor.get(day.getDayOfWeek());
        }
        return BigDecimal.valueOf(forecast).setScale(2, RoundingMode.HALF_UP);
    }

    /** Spent so far, scaled to the whole period. */
    static BigDecimal straightLine(Instant periodStart, Instant periodEnd, Instant now, BigDecimal spent) {
        long elapsed = Math.max(1, Duration.between(periodStart, now).toMillis());
        long length = Duration.between(periodStart, periodEnd).toMillis();
        return BigDecimal.valueOf(spent.doubleValue() * length / elapsed).setScale(2, RoundingMode.HALF_UP);
    }

    private static Map<DayOfWeek, Double> weekdayFactors(Map<LocalDate, BigDecimal> dailySpend, LocalDate firstDay, LocalDate today) {
        Map<DayOfWeek, Double> factor = new EnumMap<>(DayOfWeek.class);
        for (DayOfWeek d : DayOfWeek.values()) {
            factor.put(d, 1.0);
        }
        LocalDate patternEnd = today.minusDays(PATTERN_SKIPS_LAST_DAYS);
        int patternDays = (int) (patternEnd.toEpochDay() - firstDay.toEpochDay());
        if (patternDays < PATTERN_MIN_DAYS) {
            return factor;
        }
        double total = 0;
        Map<DayOfWeek, double[]> byWeekday = new EnumMap<>(DayOfWeek.class); // {sum, count}
        for (LocalDate day = firstDay; day.isBefore(patternEnd); day = day.plusDays(1)) {
            double s = spend(dailySpend, day);
            total += s;
            byWeekday.computeIfAbsent(day.getDayOfWeek(), k -> new double[2])[0] += s;
            byWeekday.get(day.getDayOfWeek())[1]++;
        }
        double mean = total / patternDays;
        if (mean <= 0) {
            return factor;
        }
        byWeekday.forEach((d, sc) -> factor.put(d, sc[0] / sc[1] / mean));
        return factor;
    }

    private static double spend(Map<LocalDate, BigDecimal> dailySpend, LocalDate day) {
        BigDecimal s = dailySpend.get(day);
        return s == null ? 0 : s.doubleValue();
    }
}
