package dev.costmeter.decoding;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads the common form of a {@code bedrock.invocation} event straight from its bytes, or declines
 * it. The common form is what nearly every producer sends: the envelope's attributes, {@code data}
 * with the model, region, tier, interaction and Converse's {@code usage} (with {@code cacheDetails}),
 * in any order, with other attributes only as plain scalars; strings of printable ASCII without
 * escapes; counts as whole numbers within the limit. At the first thing outside that form (an escape,
 * a non-ASCII character, a fraction, a null, a name given twice, an unknown nested object, the other
 * event types, {@code trace}, {@code images}, a count over the limit, a JSON syntax error …) it
 * declines, and {@link CloudEventDecoder} reads the record with Jackson, which accepts it or says
 * precisely what is wrong.
 *
 * <p>So it accepts only what the Jackson path accepts, and fills {@link CloudEventDecoder.Fields}
 * with the values the Jackson path would (the same {@link RepeatedText} strings; the checks on them
 * are {@link CloudEventDecoder}'s, after either): it only saves the work of a general parser on the
 * records that need none of it: the benchmark's event decodes in about half the time
 * ({@code bench/decode}; bench/README.md, 2026-12-02). {@code PlainInvocationReaderTest} decodes
 * thousands of variants both ways and compares.
 *
 * <p>A record that ends inside a value runs the reader past the array's end; that is caught in
 * {@link #read} and is a decline like any other, rather than a bounds check before every byte.
 *
 * <p>Not thread-safe: one per decoder.
 */
final class PlainInvocationReader {

    /** Thrown to leave the record at the first thing outside the plain form: one instance, no stack trace. */
    private static final class Declined extends Exception {
        Declined() {
            super(null, null, false, false);
        }
    }

    private static final Declined DECLINED = new Declined();
    private static final byte[] TYPE_INVOCATION = CloudEventDecoder.TYPE_INVOCATION.getBytes(StandardCharsets.US_ASCII);
    /** More names than this, unknown to the reader, in one object: declined (they are compared pair by pair). */
    private static final int MAX_UNKNOWN_NAMES = 8;
    /** A count of more digits than this is declined (18 digits always fit a long). */
    private static final int MAX_COUNT_DIGITS = 18;

    private final RepeatedText repeated;
    private final long maxQuantity;
    private byte[] json;
    private int at;
    /** The last name or string read: its first byte and length in {@link #json}. */
    private int textStart;
    private int textLength;
    /** Per object depth (envelope, data, usage, a cache detail), the unknown names met in it. */
    private final int[][] unknownStarts = new int[4][MAX_UNKNOWN_NAMES];
    private final int[][] unknownLengths = new int[4][MAX_UNKNOWN_NAMES];
    private final int[] unknownCount = new int[4];

    PlainInvocationReader(RepeatedText repeated, long maxQuantity) {
        this.repeated = repeated;
        this.maxQuantity = maxQuantity;
    }

    /**
     * @return true with {@code f} filled if the record is a {@code bedrock.invocation} event in the
     *         plain form; false if it is not (then {@code f} is to be discarded)
     */
    boolean read(byte[] value, CloudEventDecoder.Fields f) {
        json = value;
        at = 0;
        try {
            envelope(f);
            skipWhitespace();
            if (at != json.length) {
                return false; // something after the object: Jackson says what
            }
            return f.type instanceof String type && type.equals(CloudEventDecoder.TYPE_INVOCATION);
        } catch (Declined | ArrayIndexOutOfBoundsException e) { // out of bounds: the record ends inside a value
            return false;
        } finally {
            json = null;
        }
    }

    private static final int SPECVERSION = 1, ID = 2, SOURCE = 4, TYPE = 8, TIME = 16, SUBJECT = 32, DATA = 64;

    private void envelope(CloudEventDecoder.Fields f) throws Declined {
        int seen = 0;
        if (objectStarts(0)) {
            do {
                name();
                int field = textIs("specversion") ? SPECVERSION : textIs("id") ? ID : textIs("source") ? SOURCE : textIs("type") ? TYPE
                        : textIs("time") ? TIME : textIs("subject") ? SUBJECT : textIs("data") ? DATA : 0;
                if (field == 0) {
                    if (textIs("schemaType")) {
                        throw DECLINED; // a Bedrock model invocation log: the Jackson path says so
                    }
                    unknown(0);
                    continue;
                }
                seen = once(seen, field);
                switch (field) {
                    case SPECVERSION -> f.specversion = repeatedString();
                    case ID -> f.id = string();
                    case SOURCE -> f.source = repeatedString();
                    case TYPE -> {
                        f.type = repeatedString();
                        if (!textEquals(TYPE_INVOCATION)) {
                            throw DECLINED; // the other types' data is read as a tree
                        }
                    }
                    case TIME -> f.time = string();
                    case SUBJECT -> f.subject = repeatedString();
                    default -> data(f);
                }
            } while (nextMember());
        }
    }

    private static final int MODEL_ID = 1, REGION = 2, INTERACTION_ID = 4, SERVICE_TIER = 8, USAGE = 16;

    private void data(CloudEventDecoder.Fields f) throws Declined {
        f.dataPresent = true;
        int seen = 0;
        if (!objectStarts(1)) {
            return;
        }
        do {
            name();
            int field = textIs("modelId") ? MODEL_ID : textIs("region") ? REGION : textIs("interactionId") ? INTERACTION_ID
                    : textIs("serviceTier") ? SERVICE_TIER : textIs("usage") ? USAGE : 0;
            if (field == 0) {
                if (textIs("images") || textIs("trace") || textIs("videoSeconds")) {
                    throw DECLINED; // read by the Jackson path only
                }
                unknown(1);
                continue;
            }
            seen = once(seen, field);
            switch (field) {
                case MODEL_ID -> f.modelId = repeatedString();
                case REGION -> f.region = repeatedString();
                case INTERACTION_ID -> f.interactionId = string();
                case SERVICE_TIER -> {
                    String tier = repeatedString();
                    if (tier.isBlank()) {
                        throw DECLINED; // a problem the Jackson path words
                    }
                    f.serviceTier = tier.strip().toLowerCase(Locale.ROOT);
                }
                default -> usage(f);
            }
        } while (nextMember());
    }

    private static final int INPUT = 1, OUTPUT = 2, CACHE_READ = 4, CACHE_WRITE = 8, TOTAL = 16, CACHE_DETAILS = 32;

    private void usage(CloudEventDecoder.Fields f) throws Declined {
        f.usagePresent = true;
        int seen = 0;
        if (!objectStarts(2)) {
            return;
        }
        do {
            name();
            int field = textIs("inputTokens") ? INPUT : textIs("outputTokens") ? OUTPUT : textIs("cacheReadInputTokens") ? CACHE_READ
                    : textIs("cacheWriteInputTokens") ? CACHE_WRITE : textIs("totalTokens") ? TOTAL
                    : textIs("cacheDetails") ? CACHE_DETAILS : 0;
            if (field == 0) {
                unknown(2);
                continue;
            }
            seen = once(seen, field);
            switch (field) {
                case INPUT -> f.inputTokens = count();
                case OUTPUT -> f.outputTokens = count();
                case CACHE_READ -> f.cacheReadTokens = count();
                case CACHE_WRITE -> f.cacheWriteTokens = count();
                case TOTAL -> f.totalTokens = count();
                default -> cacheDetails(f);
            }
        } while (nextMember());
    }

    private static final int TTL = 1, TOKENS = 2;

    private void cacheDetails(CloudEventDecoder.Fields f) throws Declined {
        skipWhitespace();
        expect('[');
        skipWhitespace();
        if (json[at] == ']') {
            at++;
            return;
        }
        while (true) {
            cacheDetail(f);
            skipWhitespace();
            byte after = json[at++];
            if (after == ']') {
                return;
            }
            if (after != ',') {
                throw DECLINED;
            }
        }
    }

    /** One {@code {"ttl": "5m" or "1h", "inputTokens": n}}, added to the writes of its TTL. */
    private void cacheDetail(CloudEventDecoder.Fields f) throws Declined {
        int seen = 0;
        boolean fiveMinutes = false;
        long tokens = 0;
        if (objectStarts(3)) {
            do {
                name();
                int field = textIs("ttl") ? TTL : textIs("inputTokens") ? TOKENS : 0;
                if (field == 0) {
                    unknown(3);
                    continue;
                }
                seen = once(seen, field);
                if (field == TTL) {
                    plainString();
                    if (textIs("5m")) {
                        fiveMinutes = true;
                    } else if (!textIs("1h")) {
                        throw DECLINED; // another TTL: a problem the Jackson path words
                    }
                } else {
                    tokens = count();
                }
            } while (nextMember());
        }
        if (seen != (TTL | TOKENS)) {
            throw DECLINED; // a detail without its TTL or its tokens: a problem the Jackson path words
        }
        if (fiveMinutes) {
            f.write5m += tokens;
        } else {
            f.write1h += tokens;
        }
    }

    /** Marks a known name as met in its object; a name met twice is declined (the Jackson path refuses it). */
    private static int once(int seen, int field) throws Declined {
        if ((seen & field) != 0) {
            throw DECLINED;
        }
        return seen | field;
    }

    /** An unknown name: its value is skipped if it is a plain scalar; a name given twice is declined. */
    private void unknown(int depth) throws Declined {
        int count = unknownCount[depth];
        int[] starts = unknownStarts[depth];
        int[] lengths = unknownLengths[depth];
        for (int i = 0; i < count; i++) {
            if (lengths[i] == textLength && Arrays.equals(json, starts[i], starts[i] + textLength, json, textStart, textStart + textLength)) {
                throw DECLINED;
            }
        }
        if (count == MAX_UNKNOWN_NAMES) {
            throw DECLINED;
        }
        starts[count] = textStart;
        lengths[count] = textLength;
        unknownCount[depth] = count + 1;
        skipScalar();
    }

    /** A plain string, a whole number, true, false or null; anything else declined. */
    private void skipScalar() throws Declined {
        skipWhitespace();
        byte b = json[at];
        if (b == '"') {
            plainString();
        } else if (b >= '0' && b <= '9') {
            digits();
        } else if (!literal("true") && !literal("false") && !literal("null")) {
            throw DECLINED;
        }
    }

    /** The literal, if it starts here (then past it); whatever follows it is checked by the caller, as after any value. */
    private boolean literal(String word) {
        int end = at + word.length();
        if (end > json.length) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (json[at + i] != word.charAt(i)) {
                return false;
            }
        }
        at = end;
        return true;
    }

    /** Reads {@code "name"} and the colon after it. */
    private void name() throws Declined {
        skipWhitespace();
        plainString();
        skipWhitespace();
        expect(':');
    }

    /** After a member: true if a comma follows (another member), false if the object ends. */
    private boolean nextMember() throws Declined {
        skipWhitespace();
        byte b = json[at++];
        if (b == ',') {
            return true;
        }
        if (b != '}') {
            throw DECLINED;
        }
        return false;
    }

    /**
     * An object at the given depth (0 the envelope … 3 a cache detail) begins here: false if it is
     * empty (then past it), true if a member follows.
     */
    private boolean objectStarts(int depth) throws Declined {
        skipWhitespace();
        expect('{');
        unknownCount[depth] = 0;
        return !objectEnds();
    }

    /** Just after the brace: true (and past it) if the object is empty. */
    private boolean objectEnds() {
        skipWhitespace();
        if (json[at] == '}') {
            at++;
            return true;
        }
        return false;
    }

    private String string() throws Declined {
        plainString();
        return new String(json, textStart, textLength, StandardCharsets.ISO_8859_1); // ASCII: one byte, one char
    }

    private String repeatedString() throws Declined {
        plainString();
        return repeated.of(json, textStart, textLength);
    }

    /**
     * A JSON string of ASCII without escapes or control characters; its content is at
     * {@link #textStart}. Eight bytes at a time while none of them is special (a quote, a backslash,
     * a control character or a byte of a multi-byte UTF-8 character), then byte by byte.
     */
    private void plainString() throws Declined {
        skipWhitespace();
        expect('"');
        byte[] j = json;
        int start = at;
        int i = start;
        while (i + Long.BYTES <= j.length && !special((long) EIGHT_BYTES.get(j, i))) {
            i += Long.BYTES;
        }
        byte b;
        while ((b = j[i]) != '"') {
            if (b < 0x20 || b == '\\') { // bytes >= 0x80 are negative here: UTF-8, declined too
                throw DECLINED;
            }
            i++;
        }
        textStart = start;
        textLength = i - start;
        at = i + 1;
    }

    private static final VarHandle EIGHT_BYTES = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    /** Whether any of eight bytes is a quote, a backslash, below 0x20 or from 0x80 (the classic SWAR tests). */
    private static boolean special(long bytes) {
        long quote = bytes ^ (ONES * '"');
        long backslash = bytes ^ (ONES * '\\');
        long zeroInQuote = (quote - ONES) & ~quote;
        long zeroInBackslash = (backslash - ONES) & ~backslash;
        long belowSpace = (bytes - ONES * 0x20) & ~bytes;
        return ((zeroInQuote | zeroInBackslash | belowSpace | bytes) & HIGH_BITS) != 0;
    }

    /** A whole, non-negative number no larger than the limit (what the Jackson path counts without a problem). */
    private long count() throws Declined {
        skipWhitespace();
        long value = digits();
        if (value > maxQuantity) {
            throw DECLINED;
        }
        return value;
    }

    /** Digits of a JSON integer without sign, fraction or exponent (those are declined by what must follow). */
    private long digits() throws Declined {
        int start = at;
        long value = 0;
        byte b;
        while ((b = json[at]) >= '0' && b <= '9') {
            value = value * 10 + (b - '0');
            at++;
            if (at - start > MAX_COUNT_DIGITS) {
                throw DECLINED;
            }
        }
        if (at == start || (json[start] == '0' && at - start > 1) || b == '.' || b == 'e' || b == 'E') {
            throw DECLINED; // no digits, a leading zero (invalid JSON), or not a whole number
        }
        return value;
    }

    private void expect(char c) throws Declined {
        if (json[at] != c) {
            throw DECLINED;
        }
        at++;
    }

    private void skipWhitespace() {
        byte[] j = json;
        int i = at;
        byte b;
        while (i < j.length && ((b = j[i]) == ' ' || b == '\n' || b == '\r' || b == '\t')) {
            i++;
        }
        at = i;
    }

    private boolean textIs(String ascii) {
        int length = textLength;
        if (ascii.length() != length) {
            return false;
        }
        byte[] j = json;
        int start = textStart;
        for (int i = 0; i < length; i++) {
            if (j[start + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean textEquals(byte[] ascii) {
        return ascii.length == textLength && Arrays.equals(json, textStart, textStart + textLength, ascii, 0, ascii.length);
    }
}
