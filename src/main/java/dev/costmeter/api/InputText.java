package dev.costmeter.api;

/**
 * Text from a request that will reach PostgreSQL or a metric label: PostgreSQL's text type cannot
 * hold NUL (U+0000), and a lone UTF-16 surrogate cannot be encoded at all, so either is refused
 * with a 400 before it gets there.
 */
final class InputText {

    private InputText() {
    }

    /** Why the text cannot be used, or null if it can. */
    static String problem(String value, int maxChars) {
        if (value == null) {
            return null;
        }
        if (value.length() > maxChars) {
            return "longer than " + maxChars + " characters";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\u0000') {
                return "contains a NUL character (\\u0000), which cannot be stored";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate, which is not valid Unicode";
            }
        }
        return null;
    }

    /** The text, or a 400 naming the field. */
    static String require(String field, String value, int maxChars) {
        String problem = problem(value, maxChars);
        if (problem != null) {
            throw new ApiException(400, field + ": " + problem);
        }
        return value;
    }

    /** For echoing a name back: control characters escaped, length cut. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 64; i++) {
            char c = value.charAt(i);
            out.append(Character.isISOControl(c) || Character.isSurrogate(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
