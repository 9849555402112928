package dev.costmeter.formats;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.ingest.CloudEventDecoder;
import dev.costmeter.ingest.InvalidEventException;
import dev.costmeter.pricing.UsageEvent;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
            return new Decoded(cloudEvents.decode(structured), structured);
        }
        return decode(value);
    }

    /** A value on its own: a line for the offline price command, a stored record for re-pricing. */
    public Decoded decode(byte[] value) throws InvalidEventException {
        try {
            return new Decoded(cloudEvents.decode(value), value);
        } catch (CloudEventDecoder.NotACloudEventException notACloudEvent) {
            return new Decoded(awsRecord(value), value);
        }
    }

    private UsageEvent awsRecord(byte[] value) throws InvalidEventException {
        JsonNode record;
        try {
            record = JSON.readTree(value);
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

    /** The structured-mode equivalent of a binary-mode CloudEvent: {"specversion": …, "data": value}. */
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 256);
        out.write('{');
        for (String attribute : BINARY_ATTRIBUTES) {
            Header header = headers.lastHeader("ce_" + attribute);
            if (header != null) {
                writeString(out, attribute);
                out.write(':');
                writeString(out, new String(header.value(), StandardCharsets.UTF_8));
                out.write(',');
            }
        }
        writeString(out, "data");
        out.write(':');
        out.write(data, 0, data.length);
        out.write('}');
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        out.write('"');
        byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(s);
        out.write(escaped, 0, escaped.length);
        out.write('"');
    }
}
