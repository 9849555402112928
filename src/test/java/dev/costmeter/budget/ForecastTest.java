package dev.costmeter.budget;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The month-end forecast on synthetic spend histories, against what each history implies. */
class ForecastTest {

    // November 2026: 30 days; "now" is the 16th at noon (Monday the 16th)
    static final Instant MONTH_START = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant MONTH_END = Instant.parse("2026-12-01T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-11-16T12:00:00Z");
    static final LocalDate TODAY = LocalDate.of(2026, 11, 16);

    @Test
    void aFlatHistoryForecastsTheStraightLine() {
        Map<LocalDate, BigDecimal> history = history(28, d -> 100.0);
        history.put(TODAY, BigDecimal.valueOf(50)); // half of today at 100/day
        BigDecimal spent = BigDecimal.valueOf(15 * 100 + 50);
        BigDecimal forecast = Forecast.periodEnd(MONTH_START, MONTH_END, NOW, spent, history);
        assertThat(forecast.doubleValue()).isCloseTo(3000.0, within(0.01));
        assertThat(Forecast.straightLine(MONTH_START, MONTH_END, NOW, spent).doubleValue()).isCloseTo(3000.0, within(0.01));
    }

    @Test
    void aWeekdayPatternIsProjectedDayByDay() {
        // a business app: $100 on weekdays, $20 at weekends
        Function<LocalDate, Double> pattern = d -> d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY ? 20.0 : 100.0;
        Map<LocalDate, BigDecimal> history = history(28, pattern);
        BigDecimal spent = BigDecimal.ZERO;
        for (LocalDate d = LocalDate.of(2026, 11, 1); d.isBefore(TODAY); d = d.plusDays(1)) {
            spent = spent.add(BigDecimal.valueOf(pattern.apply(d)));
        }
        spent = spent.add(BigDecimal.valueOf(50)); // half of Monday the 16th
        double expected = spent.doubleValue() + 50; // the rest of today
        for (LocalDate d = TODAY.plusDays(1); d.isBefore(LocalDate.of(2026, 12, 1)); d = d.plusDays(1)) {
            expected += pattern.apply(d);
        }
        BigDecimal forecast = Forecast.periodEnd(MONTH_START, MONTH_END, NOW, spent, history);
        assertThat(forecast.doubleValue()).isCloseTo(expected, within(expected * 0.005));
        // a straight line over the elapsed days would be off: it counts this month's weekends as the average
        assertThat(Math.abs(Forecast.straightLine(MONTH_START, MONTH_END, NOW, spent).doubleValue() - expected))
                .isGreaterThan(Math.abs(forecast.doubleValue() - expected));
    }

    @Test
    void aRecentRampUpWeighsMoreThanLastMonth() {
        // $100/day, then $300/day for the last 5 days
        Map<LocalDate, BigDecimal> history = history(28, d -> d.isAfter(TODAY.minusDays(6)) ? 300.0 : 100.0);
        BigDecimal spent = BigDecimal.valueOf(10 * 100 + 5 * 300);
        BigDecimal forecast = Forecast.periodEnd(MONTH_START, MONTH_END, NOW, spent, history);
        double straightLine = Forecast.straightLine(MONTH_START, MONTH_END, NOW, spent).doubleValue();
        double atTheNewLevel = spent.doubleValue() + 14.5 * 300;
        assertThat(forecast.doubleValue()).isGreaterThan(straightLine);
        assertThat(forecast.doubleValue()).isCloseTo(atTheNewLevel, within(atTheNewLevel * 0.15));
    }

    // ---- forecasts that do not cry wolf: the cases that did

    static final Forecast.Rules RULES = Forecast.Rules.DEFAULT;

    @Test
    void aOneMinuteBurstOnAMondayIsNotProjectedOverTheWeek() {
        // $1.35 between 00:00 and 00:01 on Monday 2026-11-16; at 00:05 the week had been forecast at $21.24 and alerted
        Instant monday = Instant.parse("2026-11-16T00:00:00Z");
        Forecast.Projection p = Forecast.project(monday, monday.plus(Duration.ofDays(7)), monday.plusSeconds(300), new BigDecimal("1.35"),
                Map.of(TODAY, new BigDecimal("1.35")), monday, RULES);
        assertThat(p.method()).isEqualTo("spent so far (too little data)");
        assertThat(p.expectedUsd()).isEqualByComparingTo("1.35");
        assertThat(p.lowUsd()).isEqualByComparingTo("1.35");
        assertThat(p.highUsd()).isGreaterThan(new BigDecimal("2000")); // the run rate, shown as the range's far end
        assertThat(p.held()).isNotNull();
    }

    @Test
    void aDollarInTheFirstMinutesOfTheMonthIsNotThousands() {
        // $1 by 00:05 on the 1st had been $8,928; $1 at 00:00:01 had been $2,678,400
        for (Instant now : new Instant[] {Instant.parse("2026-11-01T00:05:00Z"), Instant.parse("2026-11-01T00:00:01Z")}) {
            Forecast.Projection p = Forecast.project(MONTH_START, MONTH_END, now, BigDecimal.ONE,
                    Map.of(LocalDate.of(2026, 11, 1), BigDecimal.ONE), MONTH_START, RULES);
            assertThat(p.expectedUsd()).as(now.toString()).isEqualByComparingTo("1.00");
            assertThat(p.held()).isNotNull();
        }
    }

    @Test
    void aSingleHundredDollarDayIsProjectedFromTheTimeSinceItNotAsEveryDay() {
        // $100 on the 1st, nothing since; at noon on the 2nd the weighted history had said 100 + 0.5 × 100 + 28 × 100 = $3,050
        Forecast.Projection p = Forecast.project(MONTH_START, MONTH_END, Instant.parse("2026-11-02T12:00:00Z"), BigDecimal.valueOf(100),
                Map.of(LocalDate.of(2026, 11, 1), BigDecimal.valueOf(100)), MONTH_START, RULES);
        assertThat(p.method()).isEqualTo("run rate since first spend");
        // $100 over 1.5 days: $66.67 a day for the 28.5 days left
        assertThat(p.expectedUsd()).isEqualByComparingTo("2000.00");
        assertThat(p.lowUsd()).isEqualByComparingTo("100.00");
        assertThat(p.held()).contains("3 days of spend history");
        // three quiet days later the weighted history takes over and says far less
        Forecast.Projection later = Forecast.project(MONTH_START, MONTH_END, Instant.parse("2026-11-05T12:00:00Z"), BigDecimal.valueOf(100),
                Map.of(LocalDate.of(2026, 11, 1), BigDecimal.valueOf(100)), MONTH_START, RULES);
        assertThat(later.method()).isEqualTo("weighted history");
        assertThat(later.held()).isNull();
        assertThat(later.expectedUsd()).isLessThan(new BigDecimal("1000"));
    }

    @Test
    void withEnoughHistoryTheForecastMayAlertAndHasARange() {
        Map<LocalDate, BigDecimal> history = history(28, d -> d.getDayOfMonth() % 2 == 0 ? 150.0 : 50.0);
        BigDecimal spent = BigDecimal.valueOf(1500);
        Forecast.Projection p = Forecast.project(MONTH_START, MONTH_END, NOW, spent, history, MONTH_START.minus(Duration.ofDays(20)), RULES);
        assertThat(p.method()).isEqualTo("weighted history");
        assertThat(p.held()).isNull();
        assertThat(p.lowUsd()).isLessThan(p.expectedUsd());
        assertThat(p.highUsd()).isGreaterThan(p.expectedUsd());
        assertThat(p.expectedUsd()).isEqualByComparingTo(Forecast.periodEnd(MONTH_START, MONTH_END, NOW, spent, history));
    }

    @Test
    void withoutHistoryItIsAStraightLine() {
        BigDecimal forecast = Forecast.periodEnd(MONTH_START, MONTH_END, Instant.parse("2026-11-01T06:00:00Z"), BigDecimal.TEN, Map.of());
        assertThat(forecast).isEqualByComparingTo("1200.00"); // 6 hours of 720
    }

    @Test
    void burnRateIsTheSpendRateOverTheBudgetsRate() {
        // $3,000 a 30-day month = $4.1666…/h; $60 in the last hour burns at 14.4
        BigDecimal rate = BurnRate.of(BigDecimal.valueOf(60), Duration.ofHours(1), BigDecimal.valueOf(3000), MONTH_START, MONTH_END);
        assertThat(rate).isEqualByComparingTo("14.4");
        assertThat(BurnRate.label(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(BurnRate.label(Duration.ofHours(6))).isEqualTo("6h");
    }

    @Test
    void periodsAreUtcDaysIsoWeeksAndCalendarMonths() {
        Instant at = Instant.parse("2026-11-18T15:30:00Z"); // a Wednesday
        assertThat(Budget.Period.DAY.start(at)).isEqualTo(Instant.parse("2026-11-18T00:00:00Z"));
        assertThat(Budget.Period.WEEK.start(at)).isEqualTo(Instant.parse("2026-11-16T00:00:00Z"));
        assertThat(Budget.Period.MONTH.start(at)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(Budget.Period.MONTH.end(Instant.parse("2026-02-01T00:00:00Z"))).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(Budget.Period.WEEK.end(Instant.parse("2026-11-16T00:00:00Z"))).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
    }

    /** {@code days} complete days before today, each with the given spend. */
    static Map<LocalDate, BigDecimal> history(int days, Function<LocalDate, Double> spend) {
        Map<LocalDate, BigDecimal> history = new HashMap<>();
        for (int age = 1; age <= days; age++) {
            LocalDate d = TODAY.minusDays(age);
            history.put(d, BigDecimal.valueOf(spend.apply(d)));
        }
        return history;
    }

    static {
        assertThat(TODAY.atStartOfDay(ZoneOffset.UTC).toInstant()).isBefore(NOW);
    }
}
