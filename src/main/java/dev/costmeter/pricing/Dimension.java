package dev.costmeter.pricing;

import java.util.HashMap;
import java.util.Map;

/**
 * A billed dimension: one kind of thing Bedrock charges for, in the unit it is counted in.
 * The rate card says what one unit of each costs; events say how many units were used.
 *
 * <p>Each dimension is priced in one {@link PricedBy way}: per model and service tier from the
 * model's input or output price (tokens), per model at a flat unit price (images, rerank queries,
 * agent hours, training tokens, provisioned throughput), or account-wide (guardrails, flows,
 * Knowledge Base infrastructure, logging). The rate card loader refuses a price in the wrong place.
 */
public enum Dimension {
    // Model inference, priced from the model's input/output price × tier (× cache or long-context multiplier)
    INPUT_TOKENS("input_tokens", "token", PricedBy.MODEL_TOKENS),
    OUTPUT_TOKENS("output_tokens", "token", PricedBy.MODEL_TOKENS),
    CACHE_READ_INPUT_TOKENS("cache_read_input_tokens", "token", PricedBy.MODEL_TOKENS),
    CACHE_WRITE_5M_INPUT_TOKENS("cache_write_5m_input_tokens", "token", PricedBy.MODEL_TOKENS),
    CACHE_WRITE_1H_INPUT_TOKENS("cache_write_1h_input_tokens", "token", PricedBy.MODEL_TOKENS),
    /**
     * Prompt tokens a long-context rule bills above the standard rate (e.g. beyond 200K at 2×), one
     * dimension for each kind of prompt token, each at the multiplier × its own dimension's price.
     */
    LONG_CONTEXT_INPUT_TOKENS("long_context_input_tokens", "token", PricedBy.MODEL_TOKENS),
    LONG_CONTEXT_CACHE_READ_INPUT_TOKENS("long_context_cache_read_input_tokens", "token", PricedBy.MODEL_TOKENS),
    LONG_CONTEXT_CACHE_WRITE_5M_INPUT_TOKENS("long_context_cache_write_5m_input_tokens", "token", PricedBy.MODEL_TOKENS),
    LONG_CONTEXT_CACHE_WRITE_1H_INPUT_TOKENS("long_context_cache_write_1h_input_tokens", "token", PricedBy.MODEL_TOKENS),

    // Per model, flat unit prices
    IMAGES("images", "image", PricedBy.MODEL),
    VIDEO_SECONDS("video_seconds", "second", PricedBy.MODEL),
    RERANK_QUERIES("rerank_queries", "query", PricedBy.MODEL),
    AGENT_HOURS("agent_hours", "hour", PricedBy.MODEL),
    CUSTOMIZATION_TRAINING_TOKENS("customization_training_tokens", "token", PricedBy.MODEL),
    REINFORCEMENT_FINE_TUNING_HOURS("reinforcement_fine_tuning_hours", "hour", PricedBy.MODEL),
    PROVISIONED_MU_HOURS_NO_COMMITMENT("provisioned_mu_hours_no_commitment", "model-unit hour", PricedBy.MODEL),
    PROVISIONED_MU_HOURS_1_MONTH("provisioned_mu_hours_1_month", "model-unit hour", PricedBy.MODEL),
    PROVISIONED_MU_HOURS_6_MONTH("provisioned_mu_hours_6_month", "model-unit hour", PricedBy.MODEL),

    // Account-wide features
    GUARDRAIL_CONTENT_POLICY_UNITS("guardrail_content_policy_units", "text unit", PricedBy.ACCOUNT),
    /** Image content filters: Bedrock reports them, the guide gives no price (quarantined unless a card has one). */
    GUARDRAIL_CONTENT_POLICY_IMAGE_UNITS("guardrail_content_policy_image_units", "image unit", PricedBy.ACCOUNT),
    GUARDRAIL_TOPIC_POLICY_UNITS("guardrail_topic_policy_units", "text unit", PricedBy.ACCOUNT),
    GUARDRAIL_SENSITIVE_INFORMATION_POLICY_UNITS("guardrail_sensitive_information_policy_units", "text unit", PricedBy.ACCOUNT),
    GUARDRAIL_SENSITIVE_INFORMATION_POLICY_FREE_UNITS("guardrail_sensitive_information_policy_free_units", "text unit", PricedBy.ACCOUNT),
    GUARDRAIL_CONTEXTUAL_GROUNDING_POLICY_UNITS("guardrail_contextual_grounding_policy_units", "text unit", PricedBy.ACCOUNT),
    GUARDRAIL_WORD_POLICY_UNITS("guardrail_word_policy_units", "text unit", PricedBy.ACCOUNT),
    /** Automated Reasoning text units × policies: the guide prices it per policy. */
    GUARDRAIL_AUTOMATED_REASONING_POLICY_UNITS("guardrail_automated_reasoning_policy_units", "policy text unit", PricedBy.ACCOUNT),
    FLOW_NODE_TRANSITIONS("flow_node_transitions", "node transition", PricedBy.ACCOUNT),
    KB_GENERATE_QUERY_CALLS("kb_generate_query_calls", "call", PricedBy.ACCOUNT),
    DATA_AUTOMATION_STANDARD_PAGES("data_automation_standard_pages", "page", PricedBy.ACCOUNT),
    DATA_AUTOMATION_CUSTOM_PAGES("data_automation_custom_pages", "page", PricedBy.ACCOUNT),
    PROMPT_ROUTING_REQUESTS("prompt_routing_requests", "request", PricedBy.ACCOUNT),
    PROMPT_OPTIMIZATION_TOKENS("prompt_optimization_tokens", "token", PricedBy.ACCOUNT),
    HUMAN_EVALUATION_TASKS("human_evaluation_tasks", "task", PricedBy.ACCOUNT),
    CUSTOM_MODEL_STORAGE_MONTHS("custom_model_storage_months", "model-month", PricedBy.ACCOUNT),
    OPENSEARCH_SERVERLESS_OCU_HOURS("opensearch_serverless_ocu_hours", "OCU-hour", PricedBy.ACCOUNT),
    S3_VECTORS_STORAGE_GB_MONTHS("s3_vectors_storage_gb_months", "GB-month", PricedBy.ACCOUNT),
    S3_VECTORS_QUERY_REQUESTS("s3_vectors_query_requests", "request", PricedBy.ACCOUNT),
    CLOUDWATCH_LOG_INGESTION_GB("cloudwatch_log_ingestion_gb", "GB", PricedBy.ACCOUNT);

    /** Where a dimension's unit price comes from. */
    public enum PricedBy {
        /** The model's input or output price × service tier × the dimension's multiplier. */
        MODEL_TOKENS,
        /** A flat unit price the model's entry gives (not tier-dependent). */
        MODEL,
        /** A unit price for the whole account (the card's {@code charges}); no model involved. */
        ACCOUNT
    }

    private static final Map<String, Dimension> BY_ID = new HashMap<>();

    static {
        for (Dimension d : values()) {
            BY_ID.put(d.id, d);
        }
    }

    private final String id;
    private final String unit;
    private final PricedBy pricedBy;

    Dimension(String id, String unit, PricedBy pricedBy) {
        this.id = id;
        this.unit = unit;
        this.pricedBy = pricedBy;
    }

    /** The name used in rate cards, aggregates, metrics and JSON. */
    public String id() {
        return id;
    }

    public String unit() {
        return unit;
    }

    public PricedBy pricedBy() {
        return pricedBy;
    }

    public boolean needsModel() {
        return pricedBy != PricedBy.ACCOUNT;
    }

    /**
     * The kinds of prompt tokens, in the order Bedrock lays a prompt out: cache-read prefix, 1-hour
     * writes, 5-minute writes, uncached input. A long-context rule counts them all and bills the
     * tail of the prompt, so its excess is taken from the end of this list backwards.
     */
    public static final java.util.List<Dimension> PROMPT_LAYOUT = java.util.List.of(
            CACHE_READ_INPUT_TOKENS, CACHE_WRITE_1H_INPUT_TOKENS, CACHE_WRITE_5M_INPUT_TOKENS, INPUT_TOKENS);

    /** For a kind of prompt token, the dimension its long-context tokens are billed in; null for others. */
    public Dimension longContext() {
        return switch (this) {
            case INPUT_TOKENS -> LONG_CONTEXT_INPUT_TOKENS;
            case CACHE_READ_INPUT_TOKENS -> LONG_CONTEXT_CACHE_READ_INPUT_TOKENS;
            case CACHE_WRITE_5M_INPUT_TOKENS -> LONG_CONTEXT_CACHE_WRITE_5M_INPUT_TOKENS;
            case CACHE_WRITE_1H_INPUT_TOKENS -> LONG_CONTEXT_CACHE_WRITE_1H_INPUT_TOKENS;
            default -> null;
        };
    }

    /** Whether this dimension is billed by a long-context rule (never priced directly in a card). */
    public boolean isLongContext() {
        return this == LONG_CONTEXT_INPUT_TOKENS || this == LONG_CONTEXT_CACHE_READ_INPUT_TOKENS
                || this == LONG_CONTEXT_CACHE_WRITE_5M_INPUT_TOKENS || this == LONG_CONTEXT_CACHE_WRITE_1H_INPUT_TOKENS;
    }

    /** @return the dimension with this id, or null */
    public static Dimension byId(String id) {
        return BY_ID.get(id);
    }

    /** Every dimension id priced the given way, for error messages. */
    public static String idsPricedBy(PricedBy pricedBy) {
        StringBuilder ids = new StringBuilder();
        for (Dimension d : values()) {
            if (d.pricedBy == pricedBy) {
                ids.append(ids.isEmpty() ? "" : ", ").append(d.id);
            }
        }
        return ids.toString();
    }
}
