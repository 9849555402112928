package dev.costmeter.decoding;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.support.StorableText;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Every record format costmeter accepts, told apart explicitly and cheaply, each turned into the
 * canonical {@link UsageEvent} by one small adapter:
 * <ol>
 *   <li>a {@code ce_specversion} Kafka header: a CloudEvent in <b>binary mode</b> (Kafka protocol
 *       binding of CloudEvents 1.0: attributes in {@code ce_*} headers, the value is {@code data});</li>
 *   <li>a JSON object with {@code specversion}: costmeter's envelope, a CloudEvent in structured mode
 *       (the fast path: streamed, no tree);</li>
 *   <li>{@code "schemaType": "ModelInvocationLog"}: a Bedrock model invocation log record;</li>
 *   <li>{@code agentId} and {@code trace}: a part of a Bedrock Agents InvokeAgent trace;</li>
 *   <li>{@code gen_ai.provider.name} (or {@code gen_ai.system}): OpenTelemetry GenAI span attributes.</li>
 * </ol>
 * A record that matches none is rejected with that list. Not thread-safe (one per thread).
 */
public final class UsageRecordDecoder {

    static final String NO_FORMAT = "matches no format costmeter reads: a CloudEvent (structured, with specversion; or binary, "
            + "with ce_specversion headers), a Bedrock model invocation log (schemaType ModelInvocationLog), a Bedrock Agents "
            + "trace part (agentId, trace) or OpenTelemetry GenAI attributes (gen_ai.provider.name)";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Exactly one JSON value, nothing after it, no field twice in an object. */
    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final List<String> BINARY_ATTRIBUTES = List.of("specversion", "id", "source", "type", "time", "subject");

    /**
     * The event, and the record in a form that decodes to it again without headers: the value
     * itself, or for binary mode the equivalent structured CloudEvent. It is what is kept for
     * re-pricing and written into priced events.
     */
    public record Decoded(UsageEvent event, byte[] selfContained) {
    }

    private final CloudEventDecoder cloudEvents;
    private final int maxRecordBytes;
    private final InvocationLogAdapter invocationLogs;
    private final AgentTraceAdapter agentTraces;
    private final OtelGenAiAdapter otel;

    public UsageRecordDecoder(CloudEventDecoder cloudEvents, CloudEventDecoder.Limits limits, Attribution attribution) {
        this.cloudEvents = cloudEvents;
        this.maxRecordBytes = limits.maxRecordBytes();
        this.invocationLogs = new InvocationLogAdapter(attribution, limits.maxQuantity());
        this.agentTraces = new AgentTraceAdapter(attribution, limits.maxQuantity());
        this.otel = new OtelGenAiAdapter(attribution, limits.maxQuantity());
    }

    /** A Kafka record: headers first (binary mode), then the value. */
    public Decoded decode(Headers headers, byte[] value) throws InvalidEventException {
        if (headers != null && headers.lastHeader("ce_specversion") != null) {
            byte[] structured = structured(headers, value);
            return new Decoded(storable(cloudEvents.decode(structured)), structured);
        }
        return decode(value);
    }

    /** A value on its own: a line for the offline price command, a stored record for re-pricing. */
    public Decoded decode(byte[] value) throws InvalidEventException {
        UsageEvent event;
        try {
            event = cloudEvents.decode(value);
        } catch (CloudEventDecoder.NotACloudEventException notACloudEvent) {
            event = awsRecord(value);
        }
        return new Decoded(storable(event), value);
    }

    /** Events before this are refused: no Bedrock usage is that old, and year 1 is stored days off. */
    public static final Instant EARLIEST_EVENT_TIME = Instant.parse("2000-01-01T00:00:00Z");

    /**
     * The checks every format shares, on the canonical event: each of its texts will be stored in
     * PostgreSQL or become a metric label, and PostgreSQL's text cannot hold NUL (U+0000) nor can a
     * lone surrogate be encoded, so such an event is invalid here rather than a commit that fails
     * for good; and its time must be one a ledger can hold.
     */
    static UsageEvent storable(UsageEvent event) throws InvalidEventException {
        checkText("source", event.source());
        checkText("id", event.id());
        checkText("type", event.type());
        checkText("subject", event.subject());
        checkText("modelId", event.modelId());
        checkText("region", event.region());
        checkText("serviceTier", event.serviceTier());
        checkText("interactionId", event.interactionId());
        if (event.time().isBefore(EARLIEST_EVENT_TIME)) {
            throw new InvalidEventException("time: " + event.time() + " is before " + EARLIEST_EVENT_TIME
                    + "; no Bedrock usage is that old (is the clock or the field wrong?)");
        }
        return event;
    }

    private static void checkText(String field, String value) throws InvalidEventException {
        String problem = StorableText.problem(value);
        if (problem != null) {
            throw new InvalidEventException(field + ": " + problem);
        }
    }

    private UsageEvent awsRecord(byte[] value) throws InvalidEventException {
        JsonNode record;
        try {
            // Strict, as for a CloudEvent: a count given twice is ambiguous, and content after the
            // record is not part of it; neither is priced on a guess.
            record = STRICT_JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw new InvalidEventException("malformed JSON: " + e.getMessage());
        }
        if (InvocationLogAdapter.matches(record)) {
            return invocationLogs.adapt(record);
        }
        if (AgentTraceAdapter.matches(record)) {
            return agentTraces.adapt(record);
        }
        if (OtelGenAiAdapter.matches(record)) {
            return otel.adapt(record);
        }
        throw new InvalidEventException(NO_FORMAT);
    }

    /**
     * The structured-mode equivalent of a binary-mode CloudEvent: {"specversion": …, "data": value},
     * built from parsed values, never by pasting text: the value must be exactly one JSON object, so
     * a value such as {@code {…},"source":"smuggled"} cannot add attributes of its own.
     */
    byte[] structured(Headers headers, byte[] data) throws InvalidEventException {
        Header contentType = headers.lastHeader("content-type");
        if (contentType != null && !new String(contentType.value(), StandardCharsets.UTF_8).startsWith("application/json")) {
            throw new InvalidEventException("content-type: a binary-mode CloudEvent's data must be application/json, was "
                    + new String(contentType.value(), StandardCharsets.UTF_8));
        }
        if (data == null || data.length == 0) {
            throw new InvalidEventException("binary-mode CloudEvent without data: the record value must be the data JSON object");
        }
        if (data.length > maxRecordBytes) {
            throw new InvalidEventException("record value of " + data.length + " bytes exceeds the limit of " + maxRecordBytes + " bytes");
        }
        JsonNode dataNode;
        try {
            dataNode = STRICT_JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("binary-mode CloudEvent: the record value must be exactly one JSON object (the data): "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidEventException("binary-mode CloudEvent: unreadable data: " + e.getMessage());
        }
        if (dataNode == null || !dataNode.isObject()) {
            throw new InvalidEventException("binary-mode CloudEvent: the record value must be a JSON object (the data), got "
                    + (dataNode == null ? "nothing" : dataNode.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        ObjectNode envelope = JSON.createObjectNode();
        for (String attribute : BINARY_ATTRIBUTES) {
            Header header = headers.lastHeader("ce_" + attribute);
            if (header != null) {
                envelope.put(attribute, new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        envelope.set("data", dataNode);
        try {
            return JSON.writeValueAsBytes(envelope);
        } catch (IOException e) {
            throw new InvalidEventException("binary-mode CloudEvent: cannot be written as a structured event: " + e.getMessage());
        }
    }
}
