package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Who pays for usage that AWS reports without costmeter's envelope, and which model an
 * identifier means. Pure: built from configuration ({@code costmeter.attribution.*},
 * {@code costmeter.models.*}, {@code costmeter.agents.*}) or from defaults for the offline CLI.
 *
 * @param defaultSource                the source when no rule matches
 * @param sourceMetadataKey            a {@code requestMetadata} key naming the application, or null
 * @param subjectMetadataKey           a {@code requestMetadata} key naming the end customer, or null
 * @param principals                   IAM principal ARN patterns ({@code *} matches anything) → source;
 *                                     the longest (most specific) matching pattern wins
 * @param applicationInferenceProfiles application-inference-profile ARN → the model it invokes
 * @param agents                       Bedrock agent id → the model and source of its calls
 */
public final class Attribution {

    private final String defaultSource;
    private final String sourceMetadataKey;
    private final String subjectMetadataKey;
    private final List<PrincipalRule> principals;
    private final Map<String, String> applicationInferenceProfiles;
    private final Map<String, Agent> agents;

    public Attribution(String defaultSource, String sourceMetadataKey, String subjectMetadataKey,
                       Map<String, String> principals, Map<String, String> applicationInferenceProfiles, Map<String, Agent> agents) {
        this.defaultSource = defaultSource;
        this.sourceMetadataKey = sourceMetadataKey;
        this.subjectMetadataKey = subjectMetadataKey;
        this.principals = principals.entrySet().stream()
                .map(e -> new PrincipalRule(glob(e.getKey()), e.getValue(), e.getKey().replace("*", "").length()))
                .sorted(Comparator.comparingInt(PrincipalRule::specificity).reversed()).toList();
        this.applicationInferenceProfiles = Map.copyOf(applicationInferenceProfiles);
        this.agents = Map.copyOf(agents);
    }

    public String defaultSource() {
        return defaultSource;
    }

    /** @return the configured agent, or null */
    public Agent agent(String agentId) {
        return agents.get(agentId);
    }

    /** An agent's foundation model (its traces do not name it in the usage part) and who pays; either may be null. */
    public record Agent(String modelId, String source) {
    }

    public static final String UNATTRIBUTED = "unattributed";

    /** Defaults: requestMetadata keys "application" and "tenant", everything else unattributed. */
    public static Attribution defaults() {
        return new Attribution(UNATTRIBUTED, "application", "tenant", Map.of(), Map.of(), Map.of());
    }

    private record PrincipalRule(Pattern pattern, String source, int specificity) {
    }

    /** The paying application: the requestMetadata key, else the first matching principal pattern, else the default. */
    public String source(JsonNode requestMetadata, String principalArn) {
        String fromMetadata = metadata(requestMetadata, sourceMetadataKey);
        if (fromMetadata != null) {
            return fromMetadata;
        }
        if (principalArn != null) {
            for (PrincipalRule rule : principals) {
                if (rule.pattern().matcher(principalArn).matches()) {
                    return rule.source();
                }
            }
        }
        return defaultSource;
    }

    public String subject(JsonNode requestMetadata) {
        String subject = metadata(requestMetadata, subjectMetadataKey);
        return subject == null ? "" : subject;
    }

    /**
     * The model id to price: a foundation-model or system inference-profile ARN becomes its id (a
     * regional or {@code global.} prefix stays: the rate card prices it as the base model and the
     * original id is kept as a label); an application-inference-profile ARN becomes the model it
     * is configured to invoke, or stays as it is (and is quarantined with the reason).
     */
    public String modelId(String id) {
        String mapped = applicationInferenceProfiles.get(id);
        if (mapped != null) {
            return mapped;
        }
        if (id.startsWith("arn:")) {
            for (String kind : new String[] {":foundation-model/", ":inference-profile/"}) {
                int at = id.indexOf(kind);
                if (at > 0) {
                    return id.substring(at + kind.length());
                }
            }
        }
        return id;
    }

    private static String metadata(JsonNode requestMetadata, String key) {
        if (key == null || requestMetadata == null || !requestMetadata.isObject()) {
            return null;
        }
        JsonNode value = requestMetadata.get(key);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    /** "arn:aws:iam::123:role/support-*" → the ARNs it names; * matches anything. */
    private static Pattern glob(String pattern) {
        return Pattern.compile(Arrays.stream(pattern.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")));
    }
}
