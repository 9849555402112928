package dev.costmeter.reconcile;

import dev.costmeter.pricing.Dimension;

import java.util.List;
import java.util.Map;

/**
 * What an Amazon Bedrock usage type on the bill says: the model (by AWS's name for it), the token
 * type and the service tier. The Bedrock user guide ("Understanding your Amazon Bedrock Cost and
 * Usage Report data") gives the shape {@code <region>-<model>-<token type>} with four token types
 * ({@code input-tokens}, {@code output-tokens}, {@code cache-read-input-token-count},
 * {@code cache-write-input-token-count}; the bedrock-mantle endpoint adds {@code -mantle} before
 * the token type) and says the service tier shows in the usage type, as a suffix on real bills
 * ({@code EU-Qwen3-32B-input-tokens-batch}). The region prefix is not read: the bill's region
 * column says where the usage was billed.
 *
 * @param modelName AWS's name for the model ({@code NovaLite})
 * @param dimension the bill's token type as one of {@link #DIMENSIONS}
 * @param tier      costmeter's name for the service tier ({@code default} for Standard)
 */
public record UsageType(String modelName, String dimension, String tier) {

    /** The token types a bill line can be; costmeter's finer dimensions fold into them ({@link #billDimension}). */
    public static final List<String> DIMENSIONS = List.of("input_tokens", "output_tokens", "cache_read_input_tokens",
            "cache_write_input_tokens");

    /** The token-type words of usage types, longest first so that no word is read as part of another. */
    private static final List<Map.Entry<String, String>> TOKEN_TYPES = List.of(
            Map.entry("-cache-write-input-token-count", "cache_write_input_tokens"),
            Map.entry("-cache-read-input-token-count", "cache_read_input_tokens"),
            Map.entry("-output-tokens", "output_tokens"),
            Map.entry("-input-tokens", "input_tokens"));

    /** Tier suffixes as costmeter names the tiers (Bedrock's API names; Standard has no suffix). */
    private static final Map<String, String> TIER_SUFFIXES = Map.of("", "default", "-batch", "batch", "-flex", "flex",
            "-priority", "priority");

    /** Why a usage type could not be read. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message);
        }
    }

    /** Reads {@code USE1-NovaLite-input-tokens}, {@code EU-Qwen3-32B-input-tokens-batch} and the like. */
    public static UsageType parse(String usageType) throws Unreadable {
        int regionEnd = usageType.indexOf('-');
        if (regionEnd <= 0) {
            throw new Unreadable("'" + usageType + "' does not start with a region code");
        }
        String rest = usageType.substring(regionEnd);
        for (Map.Entry<String, String> type : TOKEN_TYPES) {
            int at = rest.lastIndexOf(type.getKey());
            if (at < 0) {
                continue;
            }
            String model = rest.substring(1, Math.max(1, at));
            if (model.endsWith("-mantle")) {
                model = model.substring(0, model.length() - "-mantle".length());
            }
            String suffix = rest.substring(at + type.getKey().length());
            String tier = TIER_SUFFIXES.get(suffix);
            if (model.isEmpty()) {
                throw new Unreadable("'" + usageType + "' names no model");
            }
            if (tier == null) {
                throw new Unreadable("'" + usageType + "' ends in '" + suffix + "', which is no service tier costmeter knows"
                        + " (-batch, -flex, -priority or none for Standard)");
            }
            return new UsageType(model, type.getValue(), tier);
        }
        throw new Unreadable("'" + usageType + "' is not a token usage type (…-input-tokens, …-output-tokens, "
                + "…-cache-read-input-token-count, …-cache-write-input-token-count): costmeter reconciles model tokens only");
    }

    /**
     * The bill's token type a costmeter dimension is billed under: long-context tokens are input
     * (or cache) tokens at a higher price, both cache-write TTLs are cache writes.
     *
     * @return one of {@link #DIMENSIONS}, or null for a dimension that is not model tokens
     */
    public static String billDimension(Dimension dimension) {
        return switch (dimension) {
            case INPUT_TOKENS, LONG_CONTEXT_INPUT_TOKENS -> "input_tokens";
            case OUTPUT_TOKENS -> "output_tokens";
            case CACHE_READ_INPUT_TOKENS, LONG_CONTEXT_CACHE_READ_INPUT_TOKENS -> "cache_read_input_tokens";
            case CACHE_WRITE_5M_INPUT_TOKENS, CACHE_WRITE_1H_INPUT_TOKENS, LONG_CONTEXT_CACHE_WRITE_5M_INPUT_TOKENS,
                 LONG_CONTEXT_CACHE_WRITE_1H_INPUT_TOKENS -> "cache_write_input_tokens";
            default -> null;
        };
    }

    /** The card dimension whose unit price stands for a bill token type (a cache write: the 5-minute TTL). */
    static Dimension cardDimension(String billDimension) {
        return switch (billDimension) {
            case "input_tokens" -> Dimension.INPUT_TOKENS;
            case "output_tokens" -> Dimension.OUTPUT_TOKENS;
            case "cache_read_input_tokens" -> Dimension.CACHE_READ_INPUT_TOKENS;
            default -> Dimension.CACHE_WRITE_5M_INPUT_TOKENS;
        };
    }
}
