package dev.costmeter.decoding;

import com.fasterxml.jackson.core.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One {@code String} for each value that recurs event after event — a source, a subject, a model id,
 * a region, a tier — instead of a new one per event. The values come straight from the parser's
 * character buffer, so a value seen before costs a hash and a comparison, not an allocation, and
 * every aggregate key built from it afterwards compares by identity first ({@link String#equals}).
 *
 * <p>A small direct-mapped cache: a value that meets another in its slot replaces it, so many distinct
 * values (a subject per end user, say) cost what they cost before and nothing more, and the memory
 * stays bounded. Only for values that repeat: never for ids or times. Not thread-safe (one per
 * decoder, which is one per thread).
 */
final class RepeatedText {

    private static final int SLOTS = 1 << 12;
    /** Longer values are not kept (the envelope's attributes are at most 256 characters). */
    private static final int MAX_CHARS = 128;

    private final String[] slots = new String[SLOTS];

    /** The current token's text (a string token), the same instance as last time it was this text. */
    String of(JsonParser p) throws IOException {
        int length = p.getTextLength();
        if (length > MAX_CHARS) {
            return p.getText();
        }
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + chars[offset + i]; // String.hashCode's own formula, so a kept value's cached hash matches
        }
        String kept = keptFor(hash);
        return kept != null && sameText(kept, chars, offset, length) ? kept : keep(hash, new String(chars, offset, length));
    }

    /** The same for printable ASCII bytes (one byte, one char): what {@link PlainInvocationReader} reads. */
    String of(byte[] ascii, int offset, int length) {
        if (length > MAX_CHARS) {
            return new String(ascii, offset, length, StandardCharsets.ISO_8859_1);
        }
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + ascii[offset + i];
        }
        String kept = keptFor(hash);
        return kept != null && sameText(kept, ascii, offset, length) ? kept
                : keep(hash, new String(ascii, offset, length, StandardCharsets.ISO_8859_1));
    }

    /** The value kept in the slot of this hash, if its hash is this one (its text is still to compare). */
    private String keptFor(int hash) {
        String kept = slots[slotOf(hash)];
        return kept != null && kept.hashCode() == hash ? kept : null;
    }

    /** Keeps the value in its slot, in place of whatever was there. */
    private String keep(int hash, String text) {
        slots[slotOf(hash)] = text;
        return text;
    }

    private static int slotOf(int hash) {
        return (hash ^ (hash >>> 16)) & (SLOTS - 1);
    }

    private static boolean sameText(String kept, byte[] ascii, int offset, int length) {
        if (kept.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (kept.charAt(i) != ascii[offset + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameText(String kept, char[] chars, int offset, int length) {
        if (kept.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (kept.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
