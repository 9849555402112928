package dev.costmeter.support;

/**
 * Text that will be stored in PostgreSQL or become a metric label: PostgreSQL's text type cannot
 * hold NUL (U+0000), and a lone UTF-16 surrogate cannot be encoded at all. One check for events and
 * API input alike.
 */
public final class StorableText {

    private StorableText() {
    }

    /** Why the text cannot be stored, naming the position, or null if it can (null text can). */
    public static String problem(String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\u0000') {
                return "contains a NUL character (\\u0000) at position " + i + ", which PostgreSQL cannot store";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate at position " + i + ", which is not valid Unicode";
            }
        }
        return null;
    }
}
