package dev.costmeter.decoding;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Rfc3339Test {

    @Test
    void agreesWithJavaTimeOnAMillionRandomInstants() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1_000_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-2_000_000_000L, 8_000_000_000L), random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
            String text = instant.toString();
            assertThat(Rfc3339.parse(text)).as(text).isEqualTo(instant);
        }
    }

    @Test
    void offsetsLeapDaysAndShortFractionsGoThroughJavaTime() {
        assertThat(Rfc3339.parse("2026-02-10T13:00:00+01:00")).isEqualTo(Instant.parse("2026-02-10T12:00:00Z"));
        assertThat(Rfc3339.parse("2028-02-29T00:00:00Z")).isEqualTo(Instant.parse("2028-02-29T00:00:00Z"));
        assertThat(Rfc3339.parse("2026-02-10T12:00:00.5Z")).isEqualTo(Instant.parse("2026-02-10T12:00:00.500Z"));
        assertThat(Rfc3339.parse("2026-12-31T23:59:59.123456789Z")).isEqualTo(OffsetDateTime.parse("2026-12-31T23:59:59.123456789Z").toInstant());
    }

    @Test
    void rejectsWhatIsNotATimestamp() {
        for (String bad : new String[] {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-10 12:00:00Z", "2026-02-10T12:00:00",
                "2026-02-1xT12:00:00Z", "2026-02-10T25:00:00Z", "yesterday"}) {
            assertThatThrownBy(() -> Rfc3339.parse(bad)).as(bad).isInstanceOf(DateTimeParseException.class);
        }
    }
}
