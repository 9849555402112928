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

    /** The instants the API accepts: what PostgreSQL's timestamptz holds exactly, and far more than any bill needs. */
    static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    static Instant instant(String name, String value) {
        Instant instant;
        try {
            instant = Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ApiException(400, name + ": '" + InputText.printable(value) + "' is not an ISO-8601 instant such as 2026-02-01T00:00:00Z");
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw new ApiException(400, name + ": " + value + " is outside " + EARLIEST + " … " + LATEST);
        }
        return instant;
    }
}
