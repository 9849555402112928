package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code data} of every event type other than {@code bedrock.invocation}: Bedrock's features
 * and the infrastructure under them, each turned into quantities of billed dimensions. The field
 * names of each type are documented in docs/input.md ("Event types"). Quantities are exact: whole
 * counts where Bedrock counts, decimals where it measures (hours, GB).
 */
final class FeatureUsageReader {

    static final String GUARDRAIL = "bedrock.guardrail";
    static final String FLOW = "bedrock.flow";
    static final String RERANK = "bedrock.rerank";
    static final String KB_GENERATE_QUERY = "bedrock.kb.generate_query";
    static final String DATA_AUTOMATION = "bedrock.data_automation";
    static final String PROMPT_ROUTING = "bedrock.prompt_routing";
    static final String PROMPT_OPTIMIZATION = "bedrock.prompt_optimization";
    static final String HUMAN_EVALUATION = "bedrock.evaluation.human";
    static final String AGENT_HOURS = "bedrock.agent_hours";
    static final String CUSTOMIZATION = "bedrock.customization";
    static final String PROVISIONED_THROUGHPUT = "bedrock.provisioned_throughput";
    static final String OPENSEARCH_SERVERLESS = "bedrock.kb.opensearch_serverless";
    static final String S3_VECTORS = "bedrock.kb.s3_vectors";
    static final String CLOUDWATCH_LOGS = "bedrock.cloudwatch_logs";

    static final List<String> TYPES = List.of(GUARDRAIL, FLOW, RERANK, KB_GENERATE_QUERY, DATA_AUTOMATION, PROMPT_ROUTING,
            PROMPT_OPTIMIZATION, HUMAN_EVALUATION, AGENT_HOURS, CUSTOMIZATION, PROVISIONED_THROUGHPUT, OPENSEARCH_SERVERLESS,
            S3_VECTORS, CLOUDWATCH_LOGS);

    /** A rerank query covers up to this many document chunks. */
    static final int CHUNKS_PER_RERANK_QUERY = 100;
    /** A guardrail text unit is up to this many characters. */
    static final int CHARACTERS_PER_TEXT_UNIT = 1000;

    /** The policy names of the textCharacters form. */
    private static final Map<String, Dimension> GUARDRAIL_POLICIES = new LinkedHashMap<>();

    static {
        GUARDRAIL_POLICIES.put("content", Dimension.GUARDRAIL_CONTENT_POLICY_UNITS);
        GUARDRAIL_POLICIES.put("topic", Dimension.GUARDRAIL_TOPIC_POLICY_UNITS);
        GUARDRAIL_POLICIES.put("sensitiveInformation", Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_UNITS);
        GUARDRAIL_POLICIES.put("sensitiveInformationRegex", Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_FREE_UNITS);
        GUARDRAIL_POLICIES.put("contextualGrounding", Dimension.GUARDRAIL_CONTEXTUAL_GROUNDING_POLICY_UNITS);
        GUARDRAIL_POLICIES.put("word", Dimension.GUARDRAIL_WORD_POLICY_UNITS);
        GUARDRAIL_POLICIES.put("automatedReasoning", Dimension.GUARDRAIL_AUTOMATED_REASONING_POLICY_UNITS);
    }

    /** What the data of one feature event says. */
    record FeatureUsage(String modelId, List<Quantity> quantities, BigDecimal periodHours) {
    }

    private final long maxQuantity;

    FeatureUsageReader(long maxQuantity) {
        this.maxQuantity = maxQuantity;
    }

    static boolean knows(String type) {
        return TYPES.contains(type);
    }

    FeatureUsage read(String type, JsonNode data) throws InvalidEventException {
        Usage usage = new Usage();
        String modelId = UsageEvent.NO_MODEL;
        BigDecimal periodHours = null;
        switch (type) {
            case GUARDRAIL -> guardrail(data, usage);
            case FLOW -> usage.add(Dimension.FLOW_NODE_TRANSITIONS, count(data, "nodeTransitions", true));
            case RERANK -> {
                modelId = model(data);
                Long queries = count(data, "queries", false);
                Long sources = count(data, "sources", false);
                if (queries == null && sources == null) {
                    throw new InvalidEventException("data.queries or data.sources: one is required (a query reranks up to "
                            + CHUNKS_PER_RERANK_QUERY + " document chunks)");
                }
                // A query reranks up to 100 chunks: billed queries are the larger of the queries and the chunks' queries.
                long chunkQueries = sources == null ? 0 : ceilDiv(sources, CHUNKS_PER_RERANK_QUERY);
                usage.add(Dimension.RERANK_QUERIES, Math.max(queries == null ? 0 : queries, chunkQueries));
            }
            case KB_GENERATE_QUERY -> usage.add(Dimension.KB_GENERATE_QUERY_CALLS, count(data, "calls", true));
            case DATA_AUTOMATION -> {
                String output = string(data, "output", true).toLowerCase(Locale.ROOT);
                Dimension pages = switch (output) {
                    case "standard" -> Dimension.DATA_AUTOMATION_STANDARD_PAGES;
                    case "custom" -> Dimension.DATA_AUTOMATION_CUSTOM_PAGES;
                    default -> throw new InvalidEventException("data.output: must be \"standard\" or \"custom\", was \"" + output + "\"");
                };
                usage.add(pages, count(data, "pages", true));
            }
            case PROMPT_ROUTING -> usage.add(Dimension.PROMPT_ROUTING_REQUESTS, count(data, "requests", true));
            case PROMPT_OPTIMIZATION -> usage.add(Dimension.PROMPT_OPTIMIZATION_TOKENS, count(data, "tokens", true));
            case HUMAN_EVALUATION -> usage.add(Dimension.HUMAN_EVALUATION_TASKS, count(data, "tasks", true));
            case AGENT_HOURS -> {
                modelId = model(data);
                usage.add(Dimension.AGENT_HOURS, decimal(data, "hours", true));
            }
            case CUSTOMIZATION -> modelId = customization(data, usage);
            case PROVISIONED_THROUGHPUT -> {
                modelId = model(data);
                String commitment = string(data, "commitment", true);
                Dimension muHours = switch (commitment) {
                    case "none" -> Dimension.PROVISIONED_MU_HOURS_NO_COMMITMENT;
                    case "1_month" -> Dimension.PROVISIONED_MU_HOURS_1_MONTH;
                    case "6_month" -> Dimension.PROVISIONED_MU_HOURS_6_MONTH;
                    default -> throw new InvalidEventException("data.commitment: must be \"none\", \"1_month\" or \"6_month\", was \""
                            + commitment + "\"");
                };
                long modelUnits = count(data, "modelUnits", true);
                periodHours = decimal(data, "hours", true);
                usage.addForPeriod(muHours, periodHours.multiply(BigDecimal.valueOf(modelUnits)));
            }
            case OPENSEARCH_SERVERLESS -> {
                periodHours = decimal(data, "hours", true);
                // ocus: 0 still bills the floor of 2 OCUs (the pricer's per-hour minimum): the line is kept at zero
                usage.addForPeriod(Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS, decimal(data, "ocus", true).multiply(periodHours));
            }
            case S3_VECTORS -> {
                BigDecimal storage = decimal(data, "storageGbMonths", false);
                Long queries = count(data, "queryRequests", false);
                if (storage == null && queries == null) {
                    throw new InvalidEventException("data.storageGbMonths or data.queryRequests: at least one is required");
                }
                usage.add(Dimension.S3_VECTORS_STORAGE_GB_MONTHS, storage);
                usage.add(Dimension.S3_VECTORS_QUERY_REQUESTS, queries);
            }
            case CLOUDWATCH_LOGS -> usage.add(Dimension.CLOUDWATCH_LOG_INGESTION_GB, decimal(data, "ingestedGb", true));
            default -> throw new IllegalArgumentException("not a feature type: " + type);
        }
        return new FeatureUsage(modelId, usage.quantities(), periodHours);
    }

    /** {@code data.usage} as Bedrock's GuardrailUsage, or {@code data.textCharacters} with the enabled policies. */
    private void guardrail(JsonNode data, Usage usage) throws InvalidEventException {
        JsonNode reported = data.get("usage");
        if (reported != null && !reported.isNull()) {
            if (!reported.isObject()) {
                throw new InvalidEventException("data.usage: must be Bedrock's GuardrailUsage object");
            }
            EnumMap<Dimension, BigDecimal> sums = new EnumMap<>(Dimension.class);
            GuardrailTrace.addUsage(reported, "data.usage", sums, maxQuantity);
            sums.forEach(usage::add);
            return;
        }
        Long characters = count(data, "textCharacters", false);
        if (characters == null) {
            throw new InvalidEventException("data.usage (Bedrock's GuardrailUsage) or data.textCharacters with data.policies: one is required");
        }
        JsonNode policies = data.get("policies");
        if (policies == null || !policies.isArray() || policies.isEmpty()) {
            throw new InvalidEventException("data.policies: required with data.textCharacters, a non-empty array of "
                    + String.join(", ", GUARDRAIL_POLICIES.keySet()));
        }
        long units = ceilDiv(characters, CHARACTERS_PER_TEXT_UNIT);
        long reasoningPolicies = orDefault(count(data, "automatedReasoningPolicies", false), 1);
        java.util.Set<Dimension> named = java.util.EnumSet.noneOf(Dimension.class);
        for (JsonNode policy : policies) {
            Dimension dimension = policy.isTextual() ? GUARDRAIL_POLICIES.get(policy.asText()) : null;
            if (dimension == null) {
                throw new InvalidEventException("data.policies: unknown policy " + policy + "; known: "
                        + String.join(", ", GUARDRAIL_POLICIES.keySet()));
            }
            if (!named.add(dimension)) {
                throw new InvalidEventException("data.policies: policy " + policy + " is listed twice; each policy evaluates "
                        + "the text once (for several automated-reasoning policies use data.automatedReasoningPolicies)");
            }
            usage.add(dimension, BigDecimal.valueOf(units).multiply(BigDecimal.valueOf(
                    dimension == Dimension.GUARDRAIL_AUTOMATED_REASONING_POLICY_UNITS ? reasoningPolicies : 1)));
        }
    }

    private String customization(JsonNode data, Usage usage) throws InvalidEventException {
        Long trainingTokens = count(data, "trainingTokens", false);
        BigDecimal rftHours = decimal(data, "reinforcementFineTuningHours", false);
        BigDecimal storageMonths = decimal(data, "storageMonths", false);
        if (trainingTokens == null && rftHours == null && storageMonths == null) {
            throw new InvalidEventException("data.trainingTokens (with data.epochs), data.reinforcementFineTuningHours or "
                    + "data.storageMonths: at least one is required");
        }
        String modelId = UsageEvent.NO_MODEL;
        if (trainingTokens != null || rftHours != null) {
            modelId = model(data);
        }
        if (trainingTokens != null) {
            long epochs = count(data, "epochs", true);
            usage.add(Dimension.CUSTOMIZATION_TRAINING_TOKENS, BigDecimal.valueOf(trainingTokens).multiply(BigDecimal.valueOf(epochs)));
        }
        usage.add(Dimension.REINFORCEMENT_FINE_TUNING_HOURS, rftHours);
        usage.add(Dimension.CUSTOM_MODEL_STORAGE_MONTHS, storageMonths);
        return modelId;
    }

    private static String model(JsonNode data) throws InvalidEventException {
        return string(data, "modelId", true);
    }

    private static String string(JsonNode data, String field, boolean required) throws InvalidEventException {
        JsonNode node = data.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidEventException("data." + field + ": required non-empty string");
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new InvalidEventException("data." + field + ": must be a non-empty string, got " + node);
        }
        return node.asText();
    }

    private Long count(JsonNode data, String field, boolean required) throws InvalidEventException {
        return count(data, null, field, required);
    }

    private Long count(JsonNode data, String parent, String field, boolean required) throws InvalidEventException {
        String name = "data." + (parent == null ? "" : parent + ".") + field;
        Long count = JsonQuantities.count(data.get(field), name, maxQuantity);
        if (count == null && required) {
            throw new InvalidEventException(name + ": required whole number");
        }
        return count;
    }

    private BigDecimal decimal(JsonNode data, String field, boolean required) throws InvalidEventException {
        BigDecimal value = JsonQuantities.decimal(data.get(field), "data." + field, maxQuantity);
        if (value == null && required) {
            throw new InvalidEventException("data." + field + ": required decimal number");
        }
        return value;
    }

    private static long ceilDiv(long dividend, long divisor) {
        return BigDecimal.valueOf(dividend).divide(BigDecimal.valueOf(divisor), 0, RoundingMode.CEILING).longValueExact();
    }

    private static long orDefault(Long value, long fallback) {
        return value == null ? fallback : value;
    }

    /** Quantities in the order found, zero quantities left out except those measured over a period. */
    private static final class Usage {
        private final List<Quantity> quantities = new ArrayList<>(4);

        void add(Dimension dimension, Long amount) {
            if (amount != null) {
                add(dimension, BigDecimal.valueOf(amount));
            }
        }

        void add(Dimension dimension, BigDecimal amount) {
            if (amount != null && amount.signum() > 0) {
                for (int i = 0; i < quantities.size(); i++) {
                    if (quantities.get(i).dimension() == dimension) {
                        quantities.set(i, new Quantity(dimension, quantities.get(i).amount().add(amount)));
                        return;
                    }
                }
                quantities.add(new Quantity(dimension, amount));
            }
        }

        /**
         * Usage measured over a period (OCU-hours, model-unit hours), kept even at zero: a per-hour
         * minimum applies to a zero-usage line the same as to any other.
         */
        void addForPeriod(Dimension dimension, BigDecimal amount) {
            if (amount.signum() == 0) {
                quantities.add(new Quantity(dimension, amount));
            } else {
                add(dimension, amount);
            }
        }

        List<Quantity> quantities() {
            return List.copyOf(quantities);
        }
    }
}
