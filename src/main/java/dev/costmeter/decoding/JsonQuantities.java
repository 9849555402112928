package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;

/**
 * Quantities read from a JSON tree (every format but the streamed CloudEvent fast path), each
 * problem naming the field. One set of rules for every adapter: counts are whole and non-negative,
 * measures are exact decimals, and neither may exceed what one event can plausibly use.
 */
public final class JsonQuantities {

    private JsonQuantities() {
    }

    /** @return the count, or null when the node is absent or null */
    public static Long count(JsonNode node, String name, long max) throws InvalidEventException {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber()) {
            throw new InvalidEventException(name + ": must be a whole number, got " + node);
        }
        if (!node.canConvertToLong() || node.longValue() > max) {
            throw new InvalidEventException(name + ": " + node + " is more than the " + max + " one event can plausibly use");
        }
        if (node.longValue() < 0) {
            throw new InvalidEventException(name + ": must not be negative, was " + node);
        }
        return node.longValue();
    }

    /** An exact non-negative decimal, as a JSON number or a string ("1.5"); null when absent. */
    public static BigDecimal decimal(JsonNode node, String name, long max) throws InvalidEventException {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        BigDecimal value;
        try {
            value = node.isNumber() ? node.decimalValue() : node.isTextual() ? new BigDecimal(node.asText().strip()) : null;
        } catch (NumberFormatException e) {
            value = null;
        }
        if (value == null) {
            throw new InvalidEventException(name + ": must be a decimal number, got " + node);
        }
        if (value.signum() < 0) {
            throw new InvalidEventException(name + ": must not be negative, was " + value.toPlainString());
        }
        if (value.compareTo(BigDecimal.valueOf(max)) > 0 || value.scale() > 12) {
            throw new InvalidEventException(name + ": " + value.toPlainString() + " is out of range (at most " + max
                    + ", 12 decimal places)");
        }
        return value.stripTrailingZeros();
    }
}
