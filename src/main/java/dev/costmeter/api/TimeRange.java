package dev.costmeter.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** The from/to query parameters of the read API: default the current UTC month so far. */
record TimeRange(Instant from, Instant to) {

    static TimeRange of(String from, String to) {
        Instant start = from == null ? LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant()
                : instant("from", from);
        Instant end = to == null ? Instant.now() : instant("to", to);
        if (!start.isBefore(end)) {
            throw new ApiException(400, "from (" + start + ") must be before to (" + end + ")");
        }
        return new TimeRange(start, end);
    }

    static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ApiException(400, name + ": '" + value + "' is not an ISO-8601 instant such as 2026-02-01T00:00:00Z");
        }
    }
}
