package dev.costmeter.decoding;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The names read so far in each JSON object a decoder is inside, to refuse a name given twice in
 * one object ({@code {"inputTokens":10,"inputTokens":1000000}} is not priced on either value) with
 * the message Jackson's {@code STRICT_DUPLICATE_DETECTION} gives.
 *
 * <p>Jackson's own detection builds a {@code HashSet} for every object of three names or more,
 * which on the hot path was an eighth of the service's allocation (bench/README.md, 2026-12-01).
 * This one reuses one array of names for every record: objects hold a handful of names, compared
 * one by one; an object with more than {@value #COMPARED_ONE_BY_ONE_AT_MOST} names moves to a set of
 * its own, so that a record of a hundred thousand names is not compared pair by pair.
 * Not thread-safe: one per decoder.
 */
final class FieldNames {

    private static final int COMPARED_ONE_BY_ONE_AT_MOST = 32;

    private String[] names = new String[64];
    private int size;
    /** Per object entered and not yet left: where its names start in {@link #names}. */
    private int[] starts = new int[16];
    /** Per object entered, the set its names moved to once there were many (null until then). */
    private final List<Set<String>> crowded = new ArrayList<>();
    private int depth;

    /** Forgets everything: a record starts. */
    void reset() {
        Arrays.fill(names, 0, size, null);
        size = 0;
        depth = 0;
        crowded.clear();
    }

    /** An object (or array: it holds no names, but is left like one) starts. */
    void enter() {
        if (depth == starts.length) {
            starts = Arrays.copyOf(starts, depth * 2);
        }
        starts[depth++] = size;
        if (crowded.size() < depth) {
            crowded.add(null);
        } else {
            crowded.set(depth - 1, null);
        }
    }

    /** The innermost object or array ends. */
    void exit() {
        int start = starts[--depth];
        Arrays.fill(names, start, size, null);
        size = start;
        crowded.set(depth, null);
    }

    /** The next name of the innermost object: refused if the object has it already. */
    void add(JsonParser p, String name) throws JsonParseException {
        int start = starts[depth - 1];
        Set<String> many = crowded.get(depth - 1);
        if (many != null) {
            if (!many.add(name)) {
                throw duplicate(p, name);
            }
            return;
        }
        for (int i = start; i < size; i++) {
            if (names[i].equals(name)) {
                throw duplicate(p, name);
            }
        }
        if (size - start == COMPARED_ONE_BY_ONE_AT_MOST) {
            many = new HashSet<>(Arrays.asList(names).subList(start, size));
            many.add(name);
            crowded.set(depth - 1, many);
            return;
        }
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
        }
        names[size++] = name;
    }

    private static JsonParseException duplicate(JsonParser p, String name) {
        return new JsonParseException(p, "Duplicate field '" + name + "'");
    }
}
