package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Reading the fields of an AWS record, each problem naming the field (by its path in the record). */
final class Fields {

    private static final int MAX_TEXT = 512;

    private Fields() {
    }

    /** The node at a dotted path; a missing node when any step is absent. */
    static JsonNode at(JsonNode root, String path) {
        JsonNode node = root;
        for (String step : path.split("\\.")) {
            node = node.path(step);
        }
        return node;
    }

    static String text(JsonNode root, String path, boolean required) throws InvalidEventException {
        return textOf(at(root, path), path, required);
    }

    /** A node's text: {@code name} is how the record calls it (OpenTelemetry's names contain dots). */
    static String textOf(JsonNode node, String name, boolean required) throws InvalidEventException {
        if (node == null || node.isMissingNode() || node.isNull()) {
            if (required) {
                throw new InvalidEventException(name + ": required non-empty string");
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new InvalidEventException(name + ": must be a non-empty string, got " + abbreviate(node));
        }
        if (node.asText().length() > MAX_TEXT) {
            throw new InvalidEventException(name + ": longer than " + MAX_TEXT + " characters");
        }
        return node.asText();
    }

    /** A whole, non-negative count at a path; absent is 0. */
    static long count(JsonNode root, String path, long max) throws InvalidEventException {
        return countOf(at(root, path), path, max);
    }

    static long countOf(JsonNode node, String name, long max) throws InvalidEventException {
        Long count = JsonQuantities.count(node, name, max);
        return count == null ? 0 : count;
    }

    static BigDecimal decimal(JsonNode root, String path, long max) throws InvalidEventException {
        return JsonQuantities.decimal(at(root, path), path, max);
    }

    /** An RFC 3339 timestamp, or (for OpenTelemetry) Unix time in nanoseconds. */
    static Instant time(JsonNode root, String path) throws InvalidEventException {
        JsonNode node = at(root, path);
        if (node.isIntegralNumber() && node.canConvertToLong() && node.longValue() > 0) {
            long nanos = node.longValue();
            return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
        }
        String text = text(root, path, true);
        try {
            return Rfc3339.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidEventException(path + ": \"" + text + "\" is not an RFC 3339 timestamp such as 2026-02-10T12:00:00Z");
        }
    }

    /** Adds a quantity unless it is zero. */
    static void add(List<Quantity> quantities, Dimension dimension, long amount) {
        if (amount > 0) {
            quantities.add(new Quantity(dimension, BigDecimal.valueOf(amount)));
        }
    }

    static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
