package dev.costmeter.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Everything costmeter can be told, by concern. Each has a default that runs on a laptop. */
@ConfigMapping(prefix = "costmeter")
public interface CostmeterConfig {

    Kafka kafka();

    Topics topics();

    Ingest ingest();

    Aggregation aggregation();

    Dedup dedup();

    Metrics metrics();

    RateCards rateCards();

    Interactions interactions();

    Budgets budgets();

    /** Who pays for usage that arrives in AWS's own formats. */
    Attribution attribution();

    Models models();

    /** Bedrock agents by agent id: the model and source of their calls (their traces name neither). */
    Map<String, Agent> agents();

    /** Resources billed by the hour whether or not apps report them, accrued by the service. */
    Map<String, StandingResource> standingResources();

    interface Kafka {
        /**
         * The brokers to use. When unset, costmeter starts an embedded single-node broker itself
         * (for trying it out; not for production).
         */
        Optional<String> bootstrapServers();

        /** Extra Kafka client properties for the consumer and producers (security, tuning). */
        Map<String, String> client();

        Embedded embedded();

        interface Embedded {
            /** Port of the embedded broker; 0 picks a free one. */
            @WithDefault("9092")
            int port();

            /** Where the embedded broker keeps its log; kept across restarts. */
            Optional<String> dataDir();
        }
    }

    interface Topics {
        @WithDefault("bedrock.usage")
        String usage();

        @WithDefault("bedrock.usage.priced")
        String priced();

        @WithDefault("bedrock.usage.unpriced")
        String unpriced();

        @WithDefault("bedrock.usage.dlq")
        String dlq();

        /** One CloudEvent per budget threshold crossed, per period. */
        @WithDefault("costmeter.budget-alerts")
        String budgetAlerts();

        /** Partitions of the topics costmeter creates when they are missing (the most instances that can share the work). */
        @WithDefault("4")
        int partitions();
    }

    interface Ingest {
        /** Turn the consumer off (e.g. for an instance that only serves the API). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("costmeter")
        String consumerGroup();

        /** Larger record values go to the DLQ unread. */
        @WithDefault("65536")
        int maxRecordBytes();

        /** A quantity above this in one event is rejected as absurd (10^9 tokens in one call). */
        @WithDefault("1000000000")
        long maxQuantity();

        /** Events stamped further in the future than this are rejected. */
        @WithDefault("PT1H")
        Duration maxClockSkew();

        /** Publish every priced event to the priced topic. */
        @WithDefault("true")
        boolean publishPricedEvents();
    }

    interface Aggregation {
        /** Width of the time buckets that aggregates are kept in. Must divide a day. */
        @WithDefault("PT1M")
        Duration bucket();

        /** Flush at least this often while events arrive… */
        @WithDefault("PT0.5S")
        Duration flushInterval();

        /** …or as soon as this many records are pending, whichever comes first. */
        @WithDefault("50000")
        int flushMaxRecords();

        /** Wait before retrying a flush that failed (the batch is re-read from the last committed offsets). */
        @WithDefault("PT2S")
        Duration retryBackoff();
    }

    interface Dedup {
        /** An event delivered again within this window of its first delivery is charged once. */
        @WithDefault("P7D")
        Duration window();

        /** How often keys older than the window are deleted. */
        @WithDefault("PT1H")
        Duration cleanupInterval();
    }

    interface Metrics {
        /** Distinct sources given their own label value; the rest are reported as "other". */
        @WithDefault("50")
        int maxSources();

        /** Distinct models given their own label value; the rest are reported as "other". */
        @WithDefault("100")
        int maxModels();
    }

    interface RateCards {
        /** A folder of extra rate card files (*.yaml) loaded beside the bundled ones. */
        Optional<String> directory();

        /** How often each instance reloads the versions published over the API. */
        @WithDefault("PT10S")
        Duration refreshInterval();
    }

    interface Attribution {
        /** The source of usage no rule attributes. */
        @WithDefault("unattributed")
        String defaultSource();

        /** A requestMetadata key (invocation logs) naming the paying application; empty to ignore it. */
        @WithDefault("application")
        Optional<String> sourceMetadataKey();

        /** A requestMetadata key naming the end customer (the subject). */
        @WithDefault("tenant")
        Optional<String> subjectMetadataKey();

        /** IAM principal ARN patterns (* matches anything) → source; the most specific match wins. */
        Map<String, String> principals();
    }

    interface Models {
        /** Application-inference-profile ARN → the model id it invokes. */
        Map<String, String> applicationInferenceProfiles();
    }

    interface Agent {
        Optional<String> modelId();

        Optional<String> source();
    }

    interface Budgets {
        /** How often each instance recomputes budget status (gauges) and checks thresholds. */
        @WithDefault("PT30S")
        Duration evaluateInterval();

        /** Also POST each budget alert (the CloudEvent JSON) here. */
        Optional<String> webhookUrl();

        /** At most this many budgets get their own gauges (label cardinality stays bounded). */
        @WithDefault("100")
        int maxGauges();
    }

    interface Interactions {
        /** An interaction with no new event for this long is complete: its calls and cost go to the histograms. */
        @WithDefault("PT5M")
        Duration idleTimeout();

        /** How often completed interactions are looked for. */
        @WithDefault("PT30S")
        Duration checkInterval();

        /** Interactions whose last event is older than this are deleted (their spend stays in the aggregates). */
        @WithDefault("P90D")
        Duration retention();
    }

    /**
     * A standing resource, e.g. a Knowledge Base's OpenSearch Serverless collection: every hour the
     * service publishes one usage event for it (id {@code standing:<name>:<hour>}) to the usage
     * topic, priced like any other.
     */
    interface StandingResource {
        /** The event type, e.g. bedrock.kb.opensearch_serverless or bedrock.provisioned_throughput. */
        String type();

        /** Who pays (the event's source). */
        String source();

        /** The event's data for one hour, as JSON (the service adds "hours": 1), e.g. {"ocus": 2}. */
        String data();

        /** Accrue from this instant (default: when the service first ran with the resource, at most a day back). */
        Optional<Instant> since();
    }
}
