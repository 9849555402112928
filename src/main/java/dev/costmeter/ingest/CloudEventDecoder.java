package dev.costmeter.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a record value in costmeter's envelope (a CloudEvents 1.0 event in structured JSON mode)
 * into the canonical {@link UsageEvent}, or says precisely why it cannot.
 *
 * <p>{@code data.usage} is the {@code usage} object Bedrock's Converse API returns: {@code inputTokens}
 * excludes cache reads and writes, and {@code cacheDetails} splits cache writes by TTL; writes it does
 * not account for are 5-minute writes.
 */
public final class CloudEventDecoder {

    public static final String TYPE_INVOCATION = "bedrock.invocation";
    private static final int MAX_ATTRIBUTE_LENGTH = 256;

    private final ObjectMapper json;
    private final Limits limits;
    private final Clock clock;

    /**
     * @param maxRecordBytes  larger record values are rejected unread
     * @param maxQuantity     larger quantities in one event are rejected as absurd
     * @param maxClockSkew    events stamped further in the future than this are rejected
     */
    public record Limits(int maxRecordBytes, long maxQuantity, Duration maxClockSkew) {
    }

    public CloudEventDecoder(ObjectMapper json, Limits limits, Clock clock) {
        this.json = json;
        this.limits = limits;
        this.clock = clock;
    }

    public UsageEvent decode(byte[] value) throws InvalidEventException {
        if (value == null || value.length == 0) {
            throw new InvalidEventException("empty record value: expected a CloudEvents JSON object");
        }
        if (value.length > limits.maxRecordBytes()) {
            throw new InvalidEventException("record value of " + value.length + " bytes exceeds the limit of "
                    + limits.maxRecordBytes() + " bytes");
        }
        JsonNode root;
        try {
            root = json.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw new InvalidEventException("unreadable record value: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("expected a JSON object (a CloudEvent), got " + describe(root));
        }
        String specversion = requiredString(root, "specversion", "");
        if (!"1.0".equals(specversion)) {
            throw new InvalidEventException("specversion must be \"1.0\", was \"" + specversion + "\"");
        }
        String id = requiredString(root, "id", "");
        String source = requiredString(root, "source", "");
        String type = requiredString(root, "type", "");
        Instant time = requiredTime(root);
        String subject = optionalString(root, "subject", "");
        JsonNode data = root.get("data");
        if (data == null || !data.isObject()) {
            throw new InvalidEventException("data: required JSON object, got " + describe(data));
        }
        if (!TYPE_INVOCATION.equals(type)) {
            throw new InvalidEventException("unknown type \"" + type + "\"; known types: " + TYPE_INVOCATION);
        }
        return invocation(id, source, type, time, subject == null ? "" : subject, data);
    }

    private UsageEvent invocation(String id, String source, String type, Instant time, String subject, JsonNode data)
            throws InvalidEventException {
        String modelId = requiredString(data, "modelId", "data.");
        String region = optionalString(data, "region", "data.");
        String tier = serviceTier(data.get("serviceTier"));
        String interactionId = optionalString(data, "interactionId", "data.");
        JsonNode usage = data.get("usage");
        if (usage == null || !usage.isObject()) {
            throw new InvalidEventException("data.usage: required JSON object (Bedrock's Converse usage), got " + describe(usage));
        }
        long input = count(usage, "inputTokens", true);
        long output = count(usage, "outputTokens", false);
        long cacheRead = count(usage, "cacheReadInputTokens", false);
        long cacheWrite = count(usage, "cacheWriteInputTokens", false);
        count(usage, "totalTokens", false); // not billed, but must not be nonsense either

        long write5m = 0;
        long write1h = 0;
        JsonNode details = usage.get("cacheDetails");
        if (details != null && !details.isNull()) {
            if (!details.isArray()) {
                throw new InvalidEventException("data.usage.cacheDetails: must be an array, got " + describe(details));
            }
            for (int i = 0; i < details.size(); i++) {
                JsonNode detail = details.get(i);
                String at = "data.usage.cacheDetails[" + i + "]";
                if (!detail.isObject()) {
                    throw new InvalidEventException(at + ": must be an object, got " + describe(detail));
                }
                long tokens = count(detail, "inputTokens", true, at + ".");
                String ttl = requiredString(detail, "ttl", at + ".");
                switch (ttl) {
                    case "5m" -> write5m += tokens;
                    case "1h" -> write1h += tokens;
                    default -> throw new InvalidEventException(at + ".ttl: must be \"5m\" or \"1h\", was \"" + ttl + "\"");
                }
            }
            if (usage.get("cacheWriteInputTokens") == null) {
                cacheWrite = write5m + write1h;
            } else if (write5m + write1h > cacheWrite) {
                throw new InvalidEventException("data.usage.cacheDetails: TTL split of " + (write5m + write1h)
                        + " tokens exceeds cacheWriteInputTokens " + cacheWrite);
            }
        }
        long writesWithoutTtl = cacheWrite - write5m - write1h;
        write5m += writesWithoutTtl; // Bedrock's default cache TTL is 5 minutes

        List<Quantity> quantities = new ArrayList<>(5);
        add(quantities, Dimension.INPUT_TOKENS, input);
        add(quantities, Dimension.OUTPUT_TOKENS, output);
        add(quantities, Dimension.CACHE_READ_INPUT_TOKENS, cacheRead);
        add(quantities, Dimension.CACHE_WRITE_5M_INPUT_TOKENS, write5m);
        add(quantities, Dimension.CACHE_WRITE_1H_INPUT_TOKENS, write1h);
        return new UsageEvent(source, id, type, time, subject, modelId, region, tier, interactionId, List.copyOf(quantities));
    }

    /** Bedrock's tier names, as a bare string or Converse's {"type": "…"} object; absent means default. */
    private static String serviceTier(JsonNode node) throws InvalidEventException {
        if (node == null || node.isNull()) {
            return UsageEvent.DEFAULT_TIER;
        }
        JsonNode name = node.isObject() ? node.get("type") : node;
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new InvalidEventException("data.serviceTier: must be a tier name such as \"default\" or {\"type\": \"flex\"}, got "
                    + describe(node));
        }
        return name.asText().trim().toLowerCase(Locale.ROOT);
    }

    private static void add(List<Quantity> quantities, Dimension dimension, long amount) {
        if (amount > 0) {
            quantities.add(new Quantity(dimension, BigDecimal.valueOf(amount)));
        }
    }

    private long count(JsonNode parent, String field, boolean required) throws InvalidEventException {
        return count(parent, field, required, "data.usage.");
    }

    private long count(JsonNode parent, String field, boolean required, String prefix) throws InvalidEventException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidEventException(prefix + field + ": required whole number");
            }
            return 0;
        }
        if (!node.isIntegralNumber()) {
            throw new InvalidEventException(prefix + field + ": must be a whole number, got " + describe(node));
        }
        if (!node.canConvertToLong() || node.longValue() < 0) {
            throw new InvalidEventException(prefix + field + ": must not be negative, was " + node.asText());
        }
        if (node.longValue() > limits.maxQuantity()) {
            throw new InvalidEventException(prefix + field + ": " + node.asText() + " is more than the "
                    + limits.maxQuantity() + " one call can plausibly use");
        }
        return node.longValue();
    }

    private Instant requiredTime(JsonNode root) throws InvalidEventException {
        String text = requiredString(root, "time", "");
        Instant time;
        try {
            time = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidEventException("time: \"" + text + "\" is not an RFC 3339 timestamp such as 2026-02-10T12:00:00Z");
        }
        if (time.isAfter(clock.instant().plus(limits.maxClockSkew()))) {
            throw new InvalidEventException("time: " + text + " is more than " + limits.maxClockSkew()
                    + " in the future");
        }
        return time;
    }

    private static String requiredString(JsonNode parent, String field, String prefix) throws InvalidEventException {
        String value = optionalString(parent, field, prefix);
        if (value == null || value.isBlank()) {
            throw new InvalidEventException(prefix + field + ": required non-empty string");
        }
        return value;
    }

    private static String optionalString(JsonNode parent, String field, String prefix) throws InvalidEventException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(prefix + field + ": must be a string, got " + describe(node));
        }
        String value = node.textValue();
        if (value.length() > MAX_ATTRIBUTE_LENGTH) {
            throw new InvalidEventException(prefix + field + ": longer than " + MAX_ATTRIBUTE_LENGTH + " characters");
        }
        return value;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.getNodeType() == JsonNodeType.MISSING) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "the string \"" + abbreviate(node.textValue()) + "\"";
            case NUMBER -> "the number " + node.asText();
            case BOOLEAN -> "the boolean " + node.asText();
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
