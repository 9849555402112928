package dev.costmeter.api;

import dev.costmeter.support.StorableText;

/**
 * Text from a request that will reach PostgreSQL or a metric label: too long, or not storable
 * ({@link StorableText}), it is refused with a 400 before it gets there.
 */
final class InputText {

    private InputText() {
    }

    /** Why the text cannot be used, or null if it can. */
    static String problem(String value, int maxChars) {
        if (value != null && value.length() > maxChars) {
            return "longer than " + maxChars + " characters";
        }
        return StorableText.problem(value);
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
