package dev.costmeter.config;


import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything costmeter can be told, by concern. Each has a default that runs on a laptop. */
@ConfigMapping(prefix = "costmeter")
public interface CostmeterConfig {

    Kafka kafka();

    Topics topics();

    Ingest ingest();

    Outputs outputs();

    Database database();

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

    /** What the FOCUS export reports as the billing account. */
    Focus focus();

    /** The savings advisor. */
    Savings savings();

    /** Reconciliation with the AWS bill. */
    Reconciliation reconciliation();

    /** Re-rating history under another rate card. */
    Rerate rerate();

    interface Rerate {
        /** The longest range one re-rate may cover. */
        @WithDefault("P93D")
        Duration maxRange();

        /**
         * How long after a range ends its events may still arrive: a range is re-rated only once it
         * ended this long ago and every usage record published before then is metered.
         */
        @WithDefault("PT1H")
        Duration settleTime();
    }

    interface Reconciliation {
        /**
         * The largest cost difference of one key (a day × region × model × token type × tier) that still
         * matches: CUR 2.0 line items carry costs rounded to 10 decimal places and a day's key sums
         * thousands of them; a cent absorbs that and still shows a price that is 0.1% off on $10.
         */
        @WithDefault("0.01")
        java.math.BigDecimal toleranceUsd();

        /** Days before the bill's newest day that AWS may not have billed completely (it bills 24 to 48 hours late). */
        @WithDefault("2")
        int billingLagDays();
    }

    interface Savings {
        /** Sources that tolerate batch latency (results within 24 h): their batch saving is stated as such. */
        Optional<java.util.Set<String>> nonInteractiveSources();

        /** The cache hit rate (share of prompt tokens read from the cache) the prompt-caching strategy prices. */
        @WithDefault("0.8")
        java.math.BigDecimal targetCacheHitRate();

        /** How often the savings gauges are computed from this month's usage. */
        @WithDefault("PT5M")
        Duration refreshInterval();
    }

    interface Focus {
        /** BillingAccountId: the AWS account (or payer account) the costs belong to. */
        @WithDefault("costmeter")
        String billingAccountId();

        /** BillingAccountName, if there is one to show. */
        Optional<String> billingAccountName();

        /** BillingAccountType: a display value, the same on every row. */
        @WithDefault("Account")
        String billingAccountType();
    }

    interface Kafka {
        /**
         * The brokers to use (required). {@code ./costmeter serve} starts an embedded single-node
         * broker in a process of its own and sets this when {@code KAFKA_BOOTSTRAP_SERVERS} is unset.
         */
        Optional<String> bootstrapServers();

        /** Extra Kafka client properties for the consumer and producers (security, tuning). */
        Map<String, String> client();

        /** How often readiness checks that a broker answers. */
        @WithDefault("PT5S")
        Duration healthCheckInterval();

        /** Readiness turns DOWN once no broker has answered for this long. */
        @WithDefault("PT30S")
        Duration unreachableGrace();
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

        /**
         * A record on which a one-record commit failed this many times in a row (with PostgreSQL
         * and Kafka reachable) is set aside in the DLQ with the failure as its reason.
         */
        @WithDefault("3")
        int isolateAfterFailures();

        /**
         * Read exactly these partitions of the usage topic (e.g. {@code 0,1,2,3}) instead of sharing
         * the topic in the consumer group: one cell of a sharded deployment, whose PostgreSQL holds
         * the ledger of these partitions only (docs/architecture.md, "Past one machine": cells). No two
         * instances may be given the same partition. Unset: the consumer group divides the topic.
         */
        Optional<List<Integer>> partitions();
    }

    /**
     * Session limits of every PostgreSQL connection (set by quarkus.datasource.jdbc.new-connection-sql),
     * in PostgreSQL's interval syntax: a frozen peer's locks are released, a commit never waits forever.
     */
    interface Database {
        /** How long a statement waits for a row lock before it fails (and the commit is retried). */
        @WithDefault("10s")
        String lockTimeout();

        /** A transaction left idle this long (its instance frozen) is ended by PostgreSQL, releasing its locks. */
        @WithDefault("30s")
        String idleInTransactionTimeout();
    }

    /**
     * How much of a priced event goes to the priced topic ({@code costmeter.outputs.priced-payload}).
     * Every form carries the event's id, source, time and subject, its exact cost, the rate card
     * version and {@code origin}, the usage record's {@code topic/partition@offset}.
     */
    enum PricedPayload {
        /** Also the attribution (model, region, tier, interaction) and one line per billed dimension: the default. */
        LINES,
        /** As {@link #LINES}, plus the usage event exactly as it arrived (1.7 times the bytes of the benchmark's mix). */
        FULL,
        /** Only the total and the card: for consumers that join back to the usage topic by {@code origin}. */
        REFERENCE
    }

    interface Outputs {
        /**
         * The largest record costmeter sends to the DLQ or the quarantine topic. Keep it below the
         * producer's max.request.size and the topics' max.message.bytes (both about 1 MiB by
         * default); a copy that would be larger is sent truncated, with the original's size and
         * SHA-256 in headers.
         */
        @WithDefault("1000000")
        int maxRecordBytes();

        /**
         * What a priced event on the priced topic carries: {@code lines} (cost lines, attribution and
         * the usage record's {@code topic/partition@offset}), {@code full} (also the usage event as it
         * arrived) or {@code reference} (total, card and origin only). See docs/operations.md.
         */
        @WithDefault("lines")
        PricedPayload pricedPayload();

        /**
         * Compression of everything costmeter produces (priced events, quarantine, DLQ): Kafka's
         * {@code lz4} (the default), {@code zstd}, {@code snappy}, {@code gzip} or {@code none}.
         * Compressed, the broker's CPU per priced record falls by a third (with any codec); lz4 because
         * its library falls back to pure Java where its native part cannot load (zstd's and snappy's cannot).
         * bench/README.md has what each costs here.
         */
        @WithDefault("lz4")
        String compression();
    }

    interface Aggregation {
        /** Width of the time buckets that aggregates are kept in. Must divide a day. */
        @WithDefault("PT1M")
        Duration bucket();

        /**
         * Flush at least this often while events arrive and the consumer is caught up… It sets the
         * latency from produce to visible (p50 about half of it plus the commit). A timed flush always
         * waits for the one in flight.
         */
        @WithDefault("PT0.25S")
        Duration flushInterval();

        /**
         * …and this often while the consumer is behind (records wait unread; never less than
         * {@link #flushInterval()}): larger batches touch fewer aggregate rows per event and
         * write their dedup keys with more of them to a page, so they catch up sooner (4 s and 400,000
         * records against 2 s and 200,000: +7% events/s with the priced topic on, +4% off, PostgreSQL's CPU
         * per event −22% and −21%; bench/README.md, 2026-12-02 evening). A restart reads again what had not committed: up to two batches.
         */
        @WithDefault("PT4S")
        Duration flushIntervalBehind();

        /** …or as soon as this many records are pending, whichever comes first (a full batch holds about 57 bytes per record). */
        @WithDefault("400000")
        int flushMaxRecords();

        /**
         * Wait before retrying a flush that failed (the batch is re-read from the last committed
         * offsets); doubled after each failure in a row, up to {@link #maxRetryBackoff()}.
         */
        @WithDefault("PT0.5S")
        Duration retryBackoff();

        /** The longest wait between retries while PostgreSQL or Kafka stays away. */
        @WithDefault("PT30S")
        Duration maxRetryBackoff();
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

        /**
         * The most label sets of costmeter_cost_usd_total (and of costmeter_usage_units_total)
         * whatever the sources, models, dimensions and tiers: later ones share one series whose
         * labels are all "other". The per-label limits alone allow (sources+1)×(models+1)×dimensions×tiers.
         */
        @WithDefault("2000")
        int maxSeries();

        /** Tenants (subjects) given their own label in the spend-by-tenant gauge; the rest are "other". */
        @WithDefault("20")
        int maxSubjects();

        /** How often the spend, outcome and alert gauges are read again from PostgreSQL. */
        @WithDefault("PT15S")
        Duration ledgerRefreshInterval();

        /** How often the one-day window gauges are read again (a scan of a day of buckets). */
        @WithDefault("PT2M")
        Duration ledgerDayRefreshInterval();
    }

    interface RateCards {
        /** A folder of extra rate card files (*.yaml) loaded beside the bundled ones. */
        Optional<String> directory();

        /** How often each instance reloads the versions published over the API. */
        @WithDefault("PT10S")
        Duration refreshInterval();

        /**
         * How far ahead a published card may take effect. Cards take effect in order, so one dated
         * far ahead would refuse every later card until then.
         */
        @WithDefault("P400D")
        Duration maxFuture();
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

        /** Complete days of spend since the scope's first spend before a forecast uses the weighted history. */
        @WithDefault("3")
        int forecastMinHistoryDays();

        /** With less history, how long after the first spend a run rate is projected (before: spent so far). */
        @WithDefault("PT6H")
        Duration forecastMinObservation();

        /** With less history, forecast alerts wait until this share of the period has passed. */
        @WithDefault("0.25")
        java.math.BigDecimal forecastAlertsAfterPeriodShare();
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
