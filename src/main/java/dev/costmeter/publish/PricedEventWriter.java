package dev.costmeter.publish;

import dev.costmeter.config.CostmeterConfig.PricedPayload;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.UsageEvent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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
                .raw(",\"source\":").string(event.source())
                .raw(",\"type\":\"" + TYPE + "\",\"time\":").string(event.time().toString());
        if (!event.subject().isEmpty()) {
            raw(",\"subject\":").string(event.subject());
        }
        raw(",\"datacontenttype\":\"application/json\",\"data\":{\"costUsd\":").string(Money.plain(priced.totalUsd()))
                .raw(",\"currency\":\"USD\",\"rateCardVersion\":").string(priced.rateCardVersion());
        if (originTopic != null) {
            bytes(originPrefix(originTopic)).number(originPartition).raw("@").number(originOffset).raw("\"");
        }
        if (payload == PricedPayload.REFERENCE) {
            return finish();
        }
        raw(",\"modelId\":").string(event.modelId())
                .raw(",\"pricedAsModelId\":").string(priced.baseModelId())
                .raw(",\"region\":").string(priced.region())
                .raw(",\"serviceTier\":").string(event.serviceTier());
        if (event.interactionId() != null) {
            raw(",\"interactionId\":").string(event.interactionId());
        }
        raw(",\"lines\":[");
        boolean first = true;
        for (CostLine line : priced.lines()) {
            raw(first ? "{\"dimension\":" : ",{\"dimension\":").string(line.dimension().id())
                    .raw(",\"unit\":").string(line.dimension().unit())
                    .raw(",\"quantity\":").string(Money.plain(line.quantity()))
                    .raw(",\"unitPriceUsd\":").string(Money.plain(line.unitPriceUsd()))
                    .raw(",\"costUsd\":").string(Money.plain(line.costUsd()))
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
        int digits = 1;
        for (long rest = n / 10; rest > 0; rest /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = len + digits - 1; i >= len; i--, n /= 10) {
            buf[i] = (byte) ('0' + n % 10);
        }
        len += digits;
        return this;
    }

    /** Text known to be plain ASCII JSON. */
    private PricedEventWriter raw(String ascii) {
        ensure(ascii.length());
        for (int i = 0; i < ascii.length(); i++) {
            buf[len++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    private PricedEventWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
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
