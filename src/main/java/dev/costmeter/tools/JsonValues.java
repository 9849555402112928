package dev.costmeter.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * A text of JSON values however laid out — one per line (JSON Lines) or pretty-printed over many
 * lines, as AWS's sample records and the docs' examples are — split into the values, each with the
 * line it starts on. A line that does not start a JSON object or array is one value of its own (the
 * decoder then says what is wrong with it), so one bad line does not hide the ones after it.
 */
final class JsonValues {

    /** A value and the line (from 1) it starts on. */
    record Value(int line, String text) {
    }

    private JsonValues() {
    }

    static List<Value> split(String text) {
        List<Value> values = new ArrayList<>();
        int i = 0;
        int line = 1;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
                continue;
            }
            if (Character.isWhitespace(c) || c == '\uFEFF') {
                i++;
                continue;
            }
            int start = i;
            int startLine = line;
            if (c == '{' || c == '[') {
                int end = closing(text, i);
                if (end < 0) { // never closed: the rest of its line, for the decoder to report
                    int eol = text.indexOf('\n', i);
                    end = eol < 0 ? n : eol;
                } else {
                    end++;
                }
                for (int k = start; k < end; k++) {
                    if (text.charAt(k) == '\n') {
                        line++;
                    }
                }
                values.add(new Value(startLine, text.substring(start, end)));
                i = end;
            } else { // not JSON that starts a record: the line as it is
                int eol = text.indexOf('\n', i);
                int end = eol < 0 ? n : eol;
                values.add(new Value(startLine, text.substring(start, end).strip()));
                i = end;
            }
        }
        return values;
    }

    /** The index of the bracket that closes the one at {@code open}, or -1; strings and escapes respected. */
    private static int closing(String text, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }
}
