package dev.costmeter.publish;

import dev.costmeter.config.CostmeterConfig.PricedPayload;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.UsageEvent;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Writes a priced event as a CloudEvent ({@code type} costmeter.priced, same {@code id} and
 * {@code source} as the usage event) whose data carries the exact cost, the rate card version and
 * where the usage record was read ({@code origin}: {@code topic/partition@offset}), and, as the
 * {@link PricedPayload} asks, the attribution with one line per billed dimension and the original
 * event as it arrived. Money is decimal strings.
 *
 * <p>It writes the bytes directly rather than through a JSON library: it runs once per event on
 * the hot path, where Jackson's generator took half the ingest thread. Every string that comes
 * from an event is escaped as JSON requires. Not thread-safe.
 */
public final class PricedEventWriter {

    public static final String TYPE = "costmeter.priced";

    private final PricedPayload payload;
    private byte[] buf = new byte[2048];
    private int len;
    /** {@code ,"origin":"<topic>/} escaped, for the topic last written: the same for every record of a topic. */
    private String originTopic;
    private byte[] originPrefix;

    /**
     * The fields whose value is the same for most events of a stream (a source, a model, a region):
     * each remembers the last value written and its escaped bytes, which the next event with an
     * equal value copies instead of escaping it again.
     */
    private final RepeatedString source = new RepeatedString();
    private final RepeatedString rateCardVersion = new RepeatedString();
    private final RepeatedString modelId = new RepeatedString();
    private final RepeatedString pricedAsModelId = new RepeatedString();
    private final RepeatedString region = new RepeatedString();
    private final RepeatedString serviceTier = new RepeatedString();

    /** {@code "dimension":"…","unit":"…"} of each dimension, written once. */
    private static final Map<Dimension, byte[]> DIMENSION_FIELDS = new EnumMap<>(Dimension.class);

    static {
        for (Dimension d : Dimension.values()) {
            PricedEventWriter w = new PricedEventWriter(PricedPayload.REFERENCE);
            w.raw("\"dimension\":").string(d.id()).raw(",\"unit\":").string(d.unit());
            DIMENSION_FIELDS.put(d, Arrays.copyOf(w.buf, w.len));
        }
    }

    private static final class RepeatedString {
        String value;
        byte[] escaped;
    }

    public PricedEventWriter(PricedPayload payload) {
        this.payload = payload;
    }

    /**
     * The priced record of an event read from Kafka just now, with its {@code origin}.
     *
     * @param originalEvent the usage event as it arrived (written only in {@link PricedPayload#FULL})
     */
    public byte[] write(PricedEvent priced, byte[] originalEvent, String originTopic, int originPartition, long originOffset) {
        return record(priced, originalEvent, originTopic, originPartition, originOffset);
    }

    /** The priced record of an event not read from Kafka just now (re-priced from the quarantine): no {@code origin}. */
    public byte[] write(PricedEvent priced, byte[] originalEvent) {
        return record(priced, originalEvent, null, 0, 0);
    }

    private byte[] record(PricedEvent priced, byte[] originalEvent, String originTopic, int originPartition, long originOffset) {
        UsageEvent event = priced.event();
        len = 0;
        raw("{\"specversion\":\"1.0\",\"id\":").string(event.id())
                .raw(",\"source\":").string(event.source(), source)
                .raw(",\"type\":\"" + TYPE + "\",\"time\":").time(event.time());
        if (!event.subject().isEmpty()) {
            raw(",\"subject\":").string(event.subject()); // many values in turn: not worth remembering
        }
        raw(",\"datacontenttype\":\"application/json\",\"data\":{\"costUsd\":").decimal(priced.totalUsd())
                .raw(",\"currency\":\"USD\",\"rateCardVersion\":").string(priced.rateCardVersion(), rateCardVersion);
        if (originTopic != null) {
            bytes(originPrefix(originTopic)).number(originPartition).raw("@").number(originOffset).raw("\"");
        }
        if (payload == PricedPayload.REFERENCE) {
            return finish();
        }
        raw(",\"modelId\":").string(event.modelId(), modelId)
                .raw(",\"pricedAsModelId\":").string(priced.baseModelId(), pricedAsModelId)
                .raw(",\"region\":").string(priced.region(), region)
                .raw(",\"serviceTier\":").string(event.serviceTier(), serviceTier);
        if (event.interactionId() != null) {
            raw(",\"interactionId\":").string(event.interactionId());
        }
        raw(",\"lines\":[");
        boolean first = true;
        for (CostLine line : priced.lines()) {
            raw(first ? "{" : ",{").bytes(DIMENSION_FIELDS.get(line.dimension()))
                    .raw(",\"quantity\":").decimal(line.quantity())
                    .raw(",\"unitPriceUsd\":").decimal(line.unitPriceUsd())
                    .raw(",\"costUsd\":").decimal(line.costUsd())
                    .raw("}");
            first = false;
        }
        raw("]");
        if (payload == PricedPayload.FULL) {
            // The original event as it arrived: it was parsed, so it is one JSON value.
            raw(",\"event\":").bytes(originalEvent);
        }
        return finish();
    }

    private byte[] finish() {
        raw("}}");
        return Arrays.copyOf(buf, len);
    }

    private byte[] originPrefix(String topic) {
        if (!topic.equals(originTopic)) {
            int start = len;
            raw(",\"origin\":\"").stringContent(topic).raw("/");
            originPrefix = Arrays.copyOfRange(buf, start, len);
            len = start;
            originTopic = topic;
        }
        return originPrefix;
    }

    /** A Kafka partition or offset (never negative), in decimal digits. */
    private PricedEventWriter number(long n) {
        int width = digitCount(n);
        ensure(width);
        return digits(n, width);
    }

    /**
     * An exact decimal as a JSON string, exactly as {@link Money#plain} writes it (plain notation, no
     * trailing zeros), without its intermediate numbers and strings: three or four of these go into
     * every priced record. Values of more than 18 digits take {@link Money#plain} itself.
     */
    private PricedEventWriter decimal(BigDecimal value) {
        int scale = value.scale();
        if (value.signum() == 0 || value.precision() > 18 || scale < 0) {
            return string(Money.plain(value));
        }
        // exact (at most 18 digits); unscaledValue() would build a BigInteger for every value
        long unscaled = Math.abs(value.scaleByPowerOfTen(scale).longValueExact());
        while (scale > 0 && unscaled % 10 == 0) {
            unscaled /= 10;
            scale--;
        }
        // unscaled = integer part × 10^scale + fraction; when scale ≥ its digits the integer part is 0
        boolean belowOne = scale >= digitCount(unscaled);
        long integerPart = belowOne ? 0 : unscaled / POWERS_OF_TEN[scale];
        long fraction = belowOne ? unscaled : unscaled % POWERS_OF_TEN[scale];
        int integerDigits = digitCount(integerPart);
        ensure(integerDigits + scale + 4);
        buf[len++] = '"';
        if (value.signum() < 0) {
            buf[len++] = '-';
        }
        digits(integerPart, integerDigits);
        if (scale > 0) {
            put('.').digits(fraction, scale);
        }
        buf[len++] = '"';
        return this;
    }

    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    /** How many decimal digits {@code n} (not negative) has; 1 for 0. Comparisons, not divisions. */
    private static int digitCount(long n) {
        int count = 1;
        while (count < POWERS_OF_TEN.length && n >= POWERS_OF_TEN[count]) {
            count++;
        }
        return count;
    }

    /**
     * Text known to be plain ASCII JSON. {@link String#getBytes(int, int, byte[], int)} copies the
     * low byte of each character, which for ASCII is the character, as one array copy: this writes
     * a dozen constants into every record.
     */
    @SuppressWarnings("deprecation")
    private PricedEventWriter raw(String ascii) {
        ensure(ascii.length());
        ascii.getBytes(0, ascii.length(), buf, len);
        len += ascii.length();
        return this;
    }

    private PricedEventWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    /** A JSON string that is often the same as in the record before: escaped once, then copied. */
    private PricedEventWriter string(String s, RepeatedString last) {
        if (!s.equals(last.value)) {
            int start = len;
            string(s);
            last.value = s;
            last.escaped = Arrays.copyOfRange(buf, start, len);
            return this;
        }
        return bytes(last.escaped);
    }

    /**
     * An instant as a JSON string, exactly as {@link Instant#toString()} writes it (ISO-8601 in UTC,
     * the fraction in groups of three digits, none when whole), without building the string: every
     * record has one. Years outside 0000–9999 take {@code toString} itself.
     */
    private PricedEventWriter time(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_SECOND_OF_YEAR_0 || seconds > LAST_SECOND_OF_YEAR_9999) {
            return string(instant.toString());
        }
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(days);
        int nanos = instant.getNano();
        int fractionDigits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        ensure(24 + fractionDigits);
        buf[len++] = '"';
        digits(date.getYear(), 4).put('-').digits(date.getMonthValue(), 2).put('-').digits(date.getDayOfMonth(), 2).put('T')
                .digits(secondOfDay / 3600, 2).put(':').digits(secondOfDay / 60 % 60, 2).put(':').digits(secondOfDay % 60, 2);
        if (fractionDigits > 0) {
            put('.').digits(nanos / (fractionDigits == 3 ? 1_000_000 : fractionDigits == 6 ? 1_000 : 1), fractionDigits);
        }
        buf[len++] = 'Z';
        buf[len++] = '"';
        return this;
    }

    private static final long FIRST_SECOND_OF_YEAR_0 = LocalDate.of(0, 1, 1).toEpochDay() * 86_400;
    private static final long LAST_SECOND_OF_YEAR_9999 = LocalDate.of(9999, 12, 31).toEpochDay() * 86_400 + 86_399;

    /**
     * {@code n} (not negative) in exactly {@code width} digits, zero-padded; the room is ensured by the
     * caller. Two digits per division, from a table: about 90 digits go into every priced record, and
     * one division per digit was a tenth of the ingest thread (JFR, bench/README.md, 2026-12-02).
     */
    private PricedEventWriter digits(long n, int width) {
        byte[] b = buf;
        int i = len + width - 1;
        for (; i > len; i -= 2, n /= 100) {
            int pair = 2 * (int) (n % 100);
            b[i] = DIGIT_PAIRS[pair + 1];
            b[i - 1] = DIGIT_PAIRS[pair];
        }
        if (i == len) {
            b[i] = (byte) ('0' + n % 10);
        }
        len += width;
        return this;
    }

    /** "00", "01" … "99", each two ASCII bytes. */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private PricedEventWriter put(char ascii) {
        buf[len++] = (byte) ascii;
        return this;
    }

    /** A JSON string: quoted, with quotes, backslashes and control characters escaped, UTF-8 encoded. */
    private PricedEventWriter string(String s) {
        ensure(1);
        buf[len++] = '"';
        stringContent(s);
        ensure(1);
        buf[len++] = '"';
        return this;
    }

    /** The inside of a JSON string, escaped. */
    private PricedEventWriter stringContent(String s) {
        ensure(s.length() * 6);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else if (c < 0x20) {
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = (byte) Character.forDigit(c >> 4, 16);
                buf[len++] = (byte) Character.forDigit(c & 0xF, 16);
            } else if (c < 0x80) {
                buf[len++] = (byte) c;
            } else {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) >= 0x80) {
                    end++;
                }
                byte[] utf8 = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, buf, len, utf8.length);
                len += utf8.length;
                i = end - 1;
            }
        }
        return this;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
