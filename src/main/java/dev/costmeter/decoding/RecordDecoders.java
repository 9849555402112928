package dev.costmeter.decoding;

import dev.costmeter.config.CostmeterConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Builds record decoders (one per thread: they are not thread-safe) from the configuration. */
@ApplicationScoped
public class RecordDecoders {

    @Inject
    CostmeterConfig config;

    /** For records as they arrive: events too far in the future are rejected. */
    public UsageRecordDecoder forIngest() {
        return build(config.ingest().maxClockSkew());
    }

    /** For records read before (duplicates, quarantine): the clock-skew check passed when they were first read. */
    public UsageRecordDecoder forRereading() {
        return build(Duration.ofDays(36_500));
    }

    public Attribution attribution() {
        CostmeterConfig.Attribution a = config.attribution();
        Map<String, Attribution.Agent> agents = new HashMap<>();
        config.agents().forEach((id, agent) -> agents.put(id, new Attribution.Agent(agent.modelId().orElse(null), agent.source().orElse(null))));
        return new Attribution(a.defaultSource(), a.sourceMetadataKey().filter(k -> !k.isBlank()).orElse(null),
                a.subjectMetadataKey().filter(k -> !k.isBlank()).orElse(null), a.principals(),
                config.models().applicationInferenceProfiles(), agents);
    }

    private UsageRecordDecoder build(Duration maxClockSkew) {
        CloudEventDecoder.Limits limits = new CloudEventDecoder.Limits(config.ingest().maxRecordBytes(), config.ingest().maxQuantity(),
                maxClockSkew);
        return new UsageRecordDecoder(new CloudEventDecoder(limits, Clock.systemUTC()), limits, attribution());
    }
}
