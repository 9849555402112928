package dev.costmeter.metering;

import dev.costmeter.aggregation.EventContent;
import dev.costmeter.aggregation.EventKey;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.decoding.UsageRecordDecoder;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.pricing.UsageEvent;
import org.apache.kafka.common.header.Headers;

import java.util.UUID;

/**
 * The step every usage record takes, wherever it is read: decode it, key it, price it with the
 * rate card in effect at its time. The ingest loop and the quarantine's re-pricing both go
 * through here, so an event is priced the same way on both paths; what each then does with the
 * outcome (sum it into a batch, take it out of quarantine) is theirs. No I/O. Not thread-safe
 * (the decoder and the key hash reuse their state): one per thread.
 */
public final class RecordPricing {

    /**
     * A decoded, keyed and priced record.
     *
     * @param selfContained the record in a form that decodes again without its headers
     */
    public record Outcome(UsageEvent event, UUID key, byte[] selfContained, PricingResult result) {

        /** The content's fingerprint, to tell a duplicate from a conflict under the same key. */
        public long fingerprint() {
            return EventContent.fingerprint(event);
        }
    }

    private final UsageRecordDecoder decoder;
    private final Pricer pricer = new Pricer();
    private final EventKey keys = new EventKey();

    public RecordPricing(UsageRecordDecoder decoder) {
        this.decoder = decoder;
    }

    /** A record as read from Kafka, headers and all. */
    public Outcome price(Headers headers, byte[] value, RateCardTimeline timeline) throws InvalidEventException {
        return priced(decoder.decode(headers, value), timeline);
    }

    /** A record kept in its self-contained form (quarantined, or read again for a duplicate). */
    public Outcome price(byte[] selfContained, RateCardTimeline timeline) throws InvalidEventException {
        return priced(decoder.decode(selfContained), timeline);
    }

    private Outcome priced(UsageRecordDecoder.Decoded decoded, RateCardTimeline timeline) {
        UsageEvent event = decoded.event();
        return new Outcome(event, keys.of(event.source(), event.id()), decoded.selfContained(),
                pricer.price(event, timeline.cardAt(event.time())));
    }
}
