package dev.costmeter.publish;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.UsageEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a priced event as a CloudEvent ({@code type} costmeter.priced, same {@code id} and
 * {@code source} as the usage event) whose data carries the exact cost, one line per billed
 * dimension, the rate card version, and the original event as it arrived. Money is decimal strings.
 */
public final class PricedEventWriter {

    public static final String TYPE = "costmeter.priced";
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] EVENT_FIELD = ",\"event\":".getBytes(StandardCharsets.UTF_8);

    public byte[] write(PricedEvent priced, byte[] originalEvent) {
        UsageEvent event = priced.event();
        try (ByteArrayBuilder out = new ByteArrayBuilder(512);
             JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("specversion", "1.0");
            g.writeStringField("id", event.id());
            g.writeStringField("source", event.source());
            g.writeStringField("type", TYPE);
            g.writeStringField("time", event.time().toString());
            if (!event.subject().isEmpty()) {
                g.writeStringField("subject", event.subject());
            }
            g.writeStringField("datacontenttype", "application/json");
            g.writeObjectFieldStart("data");
            g.writeStringField("costUsd", Money.plain(priced.totalUsd()));
            g.writeStringField("currency", "USD");
            g.writeStringField("rateCardVersion", priced.rateCardVersion());
            g.writeStringField("modelId", event.modelId());
            g.writeStringField("pricedAsModelId", priced.baseModelId());
            g.writeStringField("region", priced.region());
            g.writeStringField("serviceTier", event.serviceTier());
            if (event.interactionId() != null) {
                g.writeStringField("interactionId", event.interactionId());
            }
            g.writeArrayFieldStart("lines");
            for (CostLine line : priced.lines()) {
                g.writeStartObject();
                g.writeStringField("dimension", line.dimension().id());
                g.writeStringField("unit", line.dimension().unit());
                g.writeStringField("quantity", Money.plain(line.quantity()));
                g.writeStringField("unitPriceUsd", Money.plain(line.unitPriceUsd()));
                g.writeStringField("costUsd", Money.plain(line.costUsd()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
            g.flush();
            // Splice the original event in as it arrived (it was parsed, so it is one JSON value):
            // …"lines":[…]}} becomes …"lines":[…],"event":<original>}}
            byte[] head = out.toByteArray();
            byte[] record = new byte[head.length + EVENT_FIELD.length + originalEvent.length];
            System.arraycopy(head, 0, record, 0, head.length - 2);
            System.arraycopy(EVENT_FIELD, 0, record, head.length - 2, EVENT_FIELD.length);
            System.arraycopy(originalEvent, 0, record, head.length - 2 + EVENT_FIELD.length, originalEvent.length);
            record[record.length - 2] = '}';
            record[record.length - 1] = '}';
            return record;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
