package dev.costmeter.aggregation;

import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.math.BigDecimal;

/**
 * A 64-bit fingerprint of what an event says (everything but its key): two deliveries of one
 * event agree on it whatever their format or whitespace, and two different events that share a
 * (source, id) almost never do. It is stored with the key, so a later delivery with other content
 * is a conflict rather than a duplicate. FNV-1a over the canonical fields; stable across versions
 * of the JVM (it hashes chars and longs, never {@code Object.hashCode}).
 */
public final class EventContent {

    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private EventContent() {
    }

    public static long fingerprint(UsageEvent e) {
        long h = OFFSET;
        h = text(h, e.type());
        h = number(h, e.time().getEpochSecond());
        h = number(h, e.time().getNano());
        h = text(h, e.subject());
        h = text(h, e.modelId());
        h = text(h, e.region());
        h = text(h, e.serviceTier());
        h = text(h, e.interactionId());
        for (Quantity q : e.quantities()) {
            h = text(h, q.dimension().id());
            h = decimal(h, q.amount());
        }
        return e.periodHours() == null ? h : decimal(h, e.periodHours());
    }

    private static long text(long h, String s) {
        if (s == null) {
            return number(h, -1);
        }
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * PRIME;
        }
        return (h ^ 0xff) * PRIME; // end of field: ("ab","c") and ("a","bc") differ
    }

    /** Equal values hash alike whatever their scale (2000, 2E+3 and 2000.00); whole counts without allocating. */
    private static long decimal(long h, BigDecimal d) {
        BigDecimal canonical = d.scale() == 0 ? d : d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        if (canonical.scale() <= 0 && canonical.precision() - canonical.scale() <= 18) {
            return number(number(h, canonical.longValueExact()), 0);
        }
        if (canonical.precision() <= 18) {
            return number(number(h, canonical.unscaledValue().longValueExact()), canonical.scale());
        }
        return text(h, canonical.toString());
    }

    private static long number(long h, long v) {
        for (int i = 0; i < 8; i++) {
            h = (h ^ ((v >>> (i * 8)) & 0xff)) * PRIME;
        }
        return h;
    }
}
