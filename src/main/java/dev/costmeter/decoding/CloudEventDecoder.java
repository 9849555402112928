package dev.costmeter.decoding;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns a record value in costmeter's envelope (a CloudEvents 1.0 event in structured JSON mode)
 * into the canonical {@link UsageEvent}, or says precisely why it cannot.
 *
 * <p>{@code data.usage} is the {@code usage} object Bedrock's Converse API returns: {@code inputTokens}
 * excludes cache reads and writes, and {@code cacheDetails} splits cache writes by TTL; writes it does
 * not account for are 5-minute writes.
 *
 * <p>Other types ({@code bedrock.guardrail}, {@code bedrock.flow} …) are read by
 * {@link FeatureUsageReader}.
 *
 * <p>An invocation is read as a token stream in one pass (no tree), because it runs once per event
 * on the hot path; fields may come in any order and unknown fields are skipped. When {@code data}
 * comes before {@code type}, or for the other types, {@code data} is read as a tree. Not thread-safe.
 */
public final class CloudEventDecoder {

    public static final String TYPE_INVOCATION = "bedrock.invocation";
    private static final int MAX_ATTRIBUTE_LENGTH = 256;
    /** Names given twice are refused by {@link FieldNames}, not by Jackson (see there why). */
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final ObjectMapper TREES = new ObjectMapper(JSON);
    private static final String KNOWN_TYPES = TYPE_INVOCATION + ", " + String.join(", ", FeatureUsageReader.TYPES);

    private final Limits limits;
    private final Clock clock;
    private final FeatureUsageReader features;
    private final RepeatedText repeated = new RepeatedText();
    private final FieldNames names = new FieldNames();
    private final PlainInvocationReader plainInvocations;

    /**
     * @param maxRecordBytes  larger record values are rejected unread
     * @param maxQuantity     larger quantities in one event are rejected as absurd
     * @param maxClockSkew    events stamped further in the future than this are rejected
     */
    public record Limits(int maxRecordBytes, long maxQuantity, Duration maxClockSkew) {
    }

    public CloudEventDecoder(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.features = new FeatureUsageReader(limits.maxQuantity());
        this.plainInvocations = new PlainInvocationReader(repeated, limits.maxQuantity());
    }

    /**
     * What one pass over the JSON found (by Jackson, or by {@link PlainInvocationReader}); checked field
     * by field afterwards, in a fixed order.
     */
    static final class Fields {
        Object specversion, id, source, type, time, subject;
        boolean dataPresent;
        JsonNode dataTree; // data read before its type was known, or of a type other than an invocation
        String dataProblem; // the first thing wrong inside data, reported only once the envelope is valid
        Object modelId, region, interactionId;
        String serviceTier = UsageEvent.DEFAULT_TIER;
        boolean usagePresent;
        Long inputTokens;
        long outputTokens, cacheReadTokens, totalTokens;
        Long cacheWriteTokens;
        long write5m, write1h;
        Long images;
        BigDecimal videoSeconds;
        List<Quantity> guardrailUsage = List.of();
    }

    /** A JSON object without {@code specversion}: possibly another format (see UsageRecordDecoder). */
    public static final class NotACloudEventException extends InvalidEventException {
        public NotACloudEventException() {
            super("specversion: required non-empty string");
        }
    }

    public UsageEvent decode(byte[] value) throws InvalidEventException {
        if (value == null || value.length == 0) {
            throw new InvalidEventException("empty record value: expected a CloudEvents JSON object");
        }
        if (value.length > limits.maxRecordBytes()) {
            throw new InvalidEventException("record value of " + value.length + " bytes exceeds the limit of "
                    + limits.maxRecordBytes() + " bytes");
        }
        Fields plain = new Fields();
        if (plainInvocations.read(value, plain)) {
            return validate(plain);
        }
        return decodeWithJackson(value);
    }

    /**
     * Any record, read by Jackson: what {@link #decode} does with every record the plain reader
     * declines (its test compares the two on the records it accepts).
     */
    UsageEvent decodeWithJackson(byte[] value) throws InvalidEventException {
        Fields f = new Fields();
        names.reset();
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidEventException("expected a JSON object (a CloudEvent), got " + describe(first, p));
            }
            readEnvelope(p, f);
            if (p.nextToken() != null) {
                throw new InvalidEventException("malformed JSON: unexpected content after the event object");
            }
        } catch (JsonParseException e) {
            throw new InvalidEventException("malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw new InvalidEventException("malformed JSON: " + e.getMessage());
        }
        return validate(f);
    }

    private void readEnvelope(JsonParser p, Fields f) throws IOException, InvalidEventException {
        String field;
        names.enter();
        while ((field = p.nextFieldName()) != null) {
            names.add(p, field);
            JsonToken t = p.nextToken();
            switch (field) {
                case "specversion" -> f.specversion = repeatedScalar(p, t);
                case "id" -> f.id = scalar(p, t);
                case "source" -> f.source = repeatedScalar(p, t);
                case "type" -> f.type = repeatedScalar(p, t);
                case "time" -> f.time = scalar(p, t);
                case "subject" -> f.subject = repeatedScalar(p, t);
                // A Bedrock model invocation log, not a CloudEvent: stop reading (UsageRecordDecoder takes it)
                case "schemaType" -> throw new NotACloudEventException();
                case "data" -> {
                    if (TYPE_INVOCATION.equals(f.type)) {
                        readData(p, t, f);
                    } else {
                        f.dataPresent = true;
                        f.dataTree = t == JsonToken.START_OBJECT ? strictTree(p) : null;
                        if (f.dataTree == null) {
                            f.dataProblem = "data: required JSON object, got " + describe(t, p);
                            skip(p);
                        }
                    }
                }
                default -> skip(p);
            }
        }
        names.exit();
    }

    private void readData(JsonParser p, JsonToken t, Fields f) throws IOException {
        f.dataPresent = true;
        if (t != JsonToken.START_OBJECT) {
            f.dataProblem = "data: required JSON object, got " + describe(t, p);
            skip(p);
            return;
        }
        String field;
        names.enter();
        while ((field = p.nextFieldName()) != null) {
            names.add(p, field);
            JsonToken v = p.nextToken();
            if (f.dataProblem != null) {
                skip(p);
                continue;
            }
            switch (field) {
                case "modelId" -> f.modelId = repeatedScalar(p, v);
                case "region" -> f.region = repeatedScalar(p, v);
                case "interactionId" -> f.interactionId = scalar(p, v);
                case "serviceTier" -> readServiceTier(p, v, f);
                case "usage" -> readUsage(p, v, f);
                case "images" -> f.images = count(p, v, "data.images", f);
                case "trace" -> readTrace(p, v, f);
                case "videoSeconds" -> f.videoSeconds = seconds(p, v, f);
                default -> skip(p);
            }
        }
        names.exit();
    }

    /** Bedrock's tier names, as a bare string or Converse's {"type": "…"} object; absent means default. */
    private void readServiceTier(JsonParser p, JsonToken v, Fields f) throws IOException {
        String name = null;
        if (v == JsonToken.VALUE_NULL) {
            return;
        } else if (v == JsonToken.VALUE_STRING) {
            name = repeated.of(p);
        } else if (v == JsonToken.START_OBJECT) {
            String field;
            names.enter();
            while ((field = p.nextFieldName()) != null) {
                names.add(p, field);
                JsonToken inner = p.nextToken();
                if ("type".equals(field) && inner == JsonToken.VALUE_STRING) {
                    name = repeated.of(p);
                } else {
                    skip(p);
                }
            }
            names.exit();
        } else {
            skip(p);
        }
        if (name == null || name.isBlank()) {
            f.dataProblem = "data.serviceTier: must be a tier name such as \"default\" or {\"type\": \"flex\"}";
            return;
        }
        f.serviceTier = name.strip().toLowerCase(Locale.ROOT);
    }

    private void readUsage(JsonParser p, JsonToken v, Fields f) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            f.dataProblem = "data.usage: required JSON object (Bedrock's Converse usage), got " + describe(v, p);
            skip(p);
            return;
        }
        f.usagePresent = true;
        String field;
        names.enter();
        while ((field = p.nextFieldName()) != null) {
            names.add(p, field);
            JsonToken t = p.nextToken();
            if (f.dataProblem != null) {
                skip(p);
                continue;
            }
            switch (field) {
                case "inputTokens" -> f.inputTokens = count(p, t, "data.usage.inputTokens", f);
                case "outputTokens" -> f.outputTokens = orZero(count(p, t, "data.usage.outputTokens", f));
                case "cacheReadInputTokens" -> f.cacheReadTokens = orZero(count(p, t, "data.usage.cacheReadInputTokens", f));
                case "cacheWriteInputTokens" -> f.cacheWriteTokens = count(p, t, "data.usage.cacheWriteInputTokens", f);
                case "totalTokens" -> f.totalTokens = orZero(count(p, t, "data.usage.totalTokens", f)); // not billed, but must be sane
                case "cacheDetails" -> readCacheDetails(p, t, f);
                default -> skip(p);
            }
        }
        names.exit();
    }

    /** {@code data.usage.cacheDetails[i]} for the first few elements, made once: every event with a cache write has one. */
    private static final String[] CACHE_DETAIL_PATHS = new String[8];
    private static final String[] CACHE_DETAIL_TOKEN_PATHS = new String[CACHE_DETAIL_PATHS.length];

    static {
        for (int i = 0; i < CACHE_DETAIL_PATHS.length; i++) {
            CACHE_DETAIL_PATHS[i] = "data.usage.cacheDetails[" + i + "]";
            CACHE_DETAIL_TOKEN_PATHS[i] = CACHE_DETAIL_PATHS[i] + ".inputTokens";
        }
    }

    private static String cacheDetailPath(int i) {
        return i < CACHE_DETAIL_PATHS.length ? CACHE_DETAIL_PATHS[i] : "data.usage.cacheDetails[" + i + "]";
    }

    private void readCacheDetails(JsonParser p, JsonToken t, Fields f) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_ARRAY) {
            f.dataProblem = "data.usage.cacheDetails: must be an array, got " + describe(t, p);
            skip(p);
            return;
        }
        int i = 0;
        JsonToken element;
        while ((element = p.nextToken()) != JsonToken.END_ARRAY) {
            int index = i++;
            String at = cacheDetailPath(index);
            if (f.dataProblem != null) {
                skip(p);
                continue;
            }
            if (element != JsonToken.START_OBJECT) {
                f.dataProblem = at + ": must be an object, got " + describe(element, p);
                skip(p);
                continue;
            }
            Object ttl = null;
            Long tokens = null;
            String field;
            names.enter();
            while ((field = p.nextFieldName()) != null) {
                names.add(p, field);
                JsonToken v = p.nextToken();
                if ("ttl".equals(field)) {
                    ttl = scalar(p, v);
                } else if ("inputTokens".equals(field)) {
                    tokens = count(p, v, index < CACHE_DETAIL_TOKEN_PATHS.length ? CACHE_DETAIL_TOKEN_PATHS[index] : at + ".inputTokens", f);
                } else {
                    skip(p);
                }
            }
            names.exit();
            if (f.dataProblem != null) {
                continue;
            }
            if (tokens == null) {
                f.dataProblem = at + ".inputTokens: required whole number";
            } else if (!(ttl instanceof String s) || s.isBlank()) {
                f.dataProblem = at + ".ttl: required non-empty string";
            } else if (s.equals("5m")) {
                f.write5m += tokens;
            } else if (s.equals("1h")) {
                f.write1h += tokens;
            } else {
                f.dataProblem = at + ".ttl: must be \"5m\" or \"1h\", was \"" + s + "\"";
            }
        }
    }

    private UsageEvent validate(Fields f) throws InvalidEventException {
        if (f.specversion == null) {
            throw new NotACloudEventException();
        }
        String specversion = requiredString(f.specversion, "specversion");
        if (!"1.0".equals(specversion)) {
            throw new InvalidEventException("specversion must be \"1.0\", was \"" + specversion + "\"");
        }
        String id = requiredString(f.id, "id");
        String source = requiredString(f.source, "source");
        String type = requiredString(f.type, "type");
        Instant time = time(requiredString(f.time, "time"));
        String subject = optionalString(f.subject, "subject");
        if (!f.dataPresent) {
            throw new InvalidEventException("data: required JSON object, got nothing");
        }
        if (f.dataProblem != null) {
            throw new InvalidEventException(f.dataProblem);
        }
        if (!TYPE_INVOCATION.equals(type)) { // the common case first
            if (FeatureUsageReader.knows(type)) {
                return feature(f, id, source, type, time, subject);
            }
            throw new InvalidEventException("unknown type \"" + type + "\"; known types: " + KNOWN_TYPES);
        }
        if (f.dataTree != null) { // data came before type
            readDataTree(f);
        }
        String modelId = requiredString(f.modelId, "data.modelId");
        String region = optionalString(f.region, "data.region");
        String interactionId = optionalString(f.interactionId, "data.interactionId");
        boolean media = f.images != null || f.videoSeconds != null;
        if (!f.usagePresent && !media) {
            throw new InvalidEventException("data.usage: required JSON object (Bedrock's Converse usage), got nothing");
        }
        if (f.usagePresent && f.inputTokens == null) {
            throw new InvalidEventException("data.usage.inputTokens: required whole number");
        }
        long cacheWrite = f.cacheWriteTokens == null ? f.write5m + f.write1h : f.cacheWriteTokens;
        if (f.write5m + f.write1h > cacheWrite) {
            throw new InvalidEventException("data.usage.cacheDetails: TTL split of " + (f.write5m + f.write1h)
                    + " tokens exceeds cacheWriteInputTokens " + cacheWrite);
        }
        long writesWithoutTtl = cacheWrite - f.write5m - f.write1h;
        long write5m = f.write5m + writesWithoutTtl; // Bedrock's default cache TTL is 5 minutes

        // An array of the most there can be, then an immutable list of those there are: an ArrayList
        // grown past five and copied twice into List.copyOf was a tenth of this method (JFR).
        Quantity[] quantities = new Quantity[7 + f.guardrailUsage.size()];
        int n = 0;
        n = add(quantities, n, Dimension.INPUT_TOKENS, orZero(f.inputTokens));
        n = add(quantities, n, Dimension.OUTPUT_TOKENS, f.outputTokens);
        n = add(quantities, n, Dimension.CACHE_READ_INPUT_TOKENS, f.cacheReadTokens);
        n = add(quantities, n, Dimension.CACHE_WRITE_5M_INPUT_TOKENS, write5m);
        n = add(quantities, n, Dimension.CACHE_WRITE_1H_INPUT_TOKENS, f.write1h);
        n = add(quantities, n, Dimension.IMAGES, orZero(f.images));
        if (f.videoSeconds != null && f.videoSeconds.signum() > 0) {
            quantities[n++] = new Quantity(Dimension.VIDEO_SECONDS, f.videoSeconds);
        }
        for (Quantity guardrail : f.guardrailUsage) {
            quantities[n++] = guardrail;
        }
        return new UsageEvent(source, id, type, time, subject == null ? "" : subject, modelId, region, f.serviceTier,
                interactionId, listOf(quantities, n));
    }

    /** The first {@code n} quantities as an immutable list (List.of copies an array of three or more itself). */
    private static List<Quantity> listOf(Quantity[] quantities, int n) {
        return switch (n) {
            case 0 -> List.of();
            case 1 -> List.of(quantities[0]);
            case 2 -> List.of(quantities[0], quantities[1]);
            default -> List.of(n == quantities.length ? quantities : Arrays.copyOf(quantities, n));
        };
    }

    /** An event of one of Bedrock's other features: its data read as a tree by {@link FeatureUsageReader}. */
    private UsageEvent feature(Fields f, String id, String source, String type, Instant time, String subject)
            throws InvalidEventException {
        JsonNode data = f.dataTree;
        String region = optionalString(textOrDescribed(data.get("region")), "data.region");
        String interactionId = optionalString(textOrDescribed(data.get("interactionId")), "data.interactionId");
        FeatureUsageReader.FeatureUsage usage = features.read(type, data);
        if (usage.modelId().length() > MAX_ATTRIBUTE_LENGTH) {
            throw new InvalidEventException("data.modelId: longer than " + MAX_ATTRIBUTE_LENGTH + " characters");
        }
        return new UsageEvent(source, id, type, time, subject == null ? "" : subject, usage.modelId(), region,
                UsageEvent.NO_TIER, interactionId, usage.quantities(), usage.periodHours());
    }

    private static Object textOrDescribed(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isTextual() ? node.asText() : new Described(node.isContainerNode() ? "an " + (node.isArray() ? "array" : "object")
                : "the " + node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + node);
    }

    /** An invocation whose data was read as a tree (it came before the type): read it like a stream. */
    private void readDataTree(Fields f) throws InvalidEventException {
        try (JsonParser p = TREES.treeAsTokens(f.dataTree)) {
            readData(p, p.nextToken(), f);
        } catch (IOException e) {
            throw new InvalidEventException("malformed data: " + e.getMessage());
        }
        if (f.dataProblem != null) {
            throw new InvalidEventException(f.dataProblem);
        }
    }

    /**
     * A Converse response's {@code trace}: the guardrail usage under
     * {@code trace.guardrail.inputAssessment} and {@code outputAssessments} is billed with the call.
     */
    private void readTrace(JsonParser p, JsonToken t, Fields f) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            skip(p);
            return;
        }
        JsonNode trace = strictTree(p);
        try {
            f.guardrailUsage = GuardrailTrace.usage(trace, limits.maxQuantity());
        } catch (InvalidEventException e) {
            f.dataProblem = e.getMessage();
        }
    }

    /** Seconds of generated video: a non-negative decimal. */
    private BigDecimal seconds(JsonParser p, JsonToken t, Fields f) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            f.dataProblem = "data.videoSeconds: must be a number, got " + describe(t, p);
            skip(p);
            return null;
        }
        BigDecimal seconds = p.getDecimalValue();
        if (seconds.signum() < 0 || seconds.compareTo(BigDecimal.valueOf(limits.maxQuantity())) > 0 || seconds.scale() > 12) {
            f.dataProblem = "data.videoSeconds: " + p.getText() + " is out of range";
            return null;
        }
        return seconds.stripTrailingZeros();
    }

    /** Puts the amount at {@code n} if there is one; returns where the next goes. */
    private static int add(Quantity[] quantities, int n, Dimension dimension, long amount) {
        if (amount > 0) {
            quantities[n++] = new Quantity(dimension, BigDecimal.valueOf(amount));
        }
        return n;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    /**
     * A token count: a whole, non-negative number no larger than one call can plausibly use.
     * Records the problem (and returns null) when it is not.
     */
    private Long count(JsonParser p, JsonToken t, String name, Fields f) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            f.dataProblem = name + ": must be a whole number, got " + describe(t, p);
            skip(p);
            return null;
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() > limits.maxQuantity()) {
            f.dataProblem = name + ": " + p.getText() + " is more than the " + limits.maxQuantity() + " one call can plausibly use";
            return null;
        }
        long value = p.getLongValue();
        if (value < 0) {
            f.dataProblem = name + ": must not be negative, was " + value;
            return null;
        }
        return value;
    }

    private Instant time(String text) throws InvalidEventException {
        Instant time;
        try {
            time = Rfc3339.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidEventException("time: \"" + text + "\" is not an RFC 3339 timestamp such as 2026-02-10T12:00:00Z");
        }
        if (time.isAfter(clock.instant().plus(limits.maxClockSkew()))) {
            throw new InvalidEventException("time: " + text + " is more than " + limits.maxClockSkew() + " in the future");
        }
        return time;
    }

    /** {@link #scalar}, for an attribute whose values recur from event to event ({@link RepeatedText}). */
    private Object repeatedScalar(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_STRING ? repeated.of(p) : scalar(p, t);
    }

    /** A scalar's value (String, or a Described for anything else), skipping containers. */
    private Object scalar(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        Described other = new Described(describe(t, p));
        skip(p);
        return other;
    }

    /**
     * Skips the value just read (an object or array with all it holds, or a scalar), refusing a name
     * given twice in any object inside it, as everywhere else in the record.
     */
    private void skip(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null || !t.isStructStart()) {
            return;
        }
        names.enter();
        for (int depth = 1; depth > 0; ) {
            t = p.nextToken();
            if (t == null) {
                return; // the record ends inside: Jackson has thrown already or throws on the next token
            }
            switch (t) {
                case START_OBJECT, START_ARRAY -> {
                    names.enter();
                    depth++;
                }
                case END_OBJECT, END_ARRAY -> {
                    names.exit();
                    depth--;
                }
                case FIELD_NAME -> names.add(p, p.currentName());
                default -> {
                }
            }
        }
    }

    /** The object just started, as a tree: Jackson refuses a name given twice in it (trees are off the hot path). */
    private static JsonNode strictTree(JsonParser p) throws IOException {
        p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        return p.readValueAsTree();
    }

    /** A value of the wrong JSON type, kept only to say what it was. */
    private record Described(String description) {
    }

    private static String requiredString(Object value, String name) throws InvalidEventException {
        String s = optionalString(value, name);
        if (s == null || s.isBlank()) {
            throw new InvalidEventException(name + ": required non-empty string");
        }
        return s;
    }

    private static String optionalString(Object value, String name) throws InvalidEventException {
        if (value == null) {
            return null;
        }
        if (value instanceof Described d) {
            throw new InvalidEventException(name + ": must be a string, got " + d.description());
        }
        String s = (String) value;
        if (s.length() > MAX_ATTRIBUTE_LENGTH) {
            throw new InvalidEventException(name + ": longer than " + MAX_ATTRIBUTE_LENGTH + " characters");
        }
        return s;
    }

    private static String describe(JsonToken t, JsonParser p) throws IOException {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string \"" + abbreviate(p.getText()) + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + p.getText();
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + p.getText();
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
