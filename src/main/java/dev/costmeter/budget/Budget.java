package dev.costmeter.budget;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A budget: an amount of USD per period for a scope of spend, and the thresholds (percent of the
 * amount) at which it alerts, plus an alert when the forecast for the period exceeds the amount.
 */
public record Budget(UUID id, String name, Scope scope, Period period, BigDecimal amountUsd, List<BigDecimal> thresholds,
                     boolean alertOnForecast) {

    /** Which spend counts: each field null matches everything; all null is the whole bill. */
    public record Scope(String source, String subject, String model, String dimension, String tier) {

        public static final Scope EVERYTHING = new Scope(null, null, null, null, null);
    }

    /** Budget periods, in UTC: a calendar day, an ISO week (from Monday), a calendar month. */
    public enum Period {
        DAY, WEEK, MONTH;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Period of(String id) {
            for (Period p : values()) {
                if (p.id().equals(id)) {
                    return p;
                }
            }
            return null;
        }

        /** The start of the period that contains {@code at}. */
        public Instant start(Instant at) {
            LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
            LocalDate first = switch (this) {
                case DAY -> day;
                case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                case MONTH -> day.withDayOfMonth(1);
            };
            return first.atStartOfDay(ZoneOffset.UTC).toInstant();
        }

        /** The end (exclusive) of the period that starts at {@code start}. */
        public Instant end(Instant start) {
            ZonedDateTime s = start.atZone(ZoneOffset.UTC);
            ZonedDateTime end = switch (this) {
                case DAY -> s.plusDays(1);
                case WEEK -> s.plusWeeks(1);
                case MONTH -> s.plusMonths(1);
            };
            return end.toInstant();
        }
    }
}
