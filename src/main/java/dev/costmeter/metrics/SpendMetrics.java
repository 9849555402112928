package dev.costmeter.metrics;

import dev.costmeter.aggregation.AggregateKey;
import dev.costmeter.aggregation.AggregateSums;
import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.EventOutcome;
import dev.costmeter.aggregation.InteractionSums;
import dev.costmeter.config.CostmeterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics, recorded once per committed flush (never per event, never before the commit):
 * spend and usage by source, model, dimension and tier, and the pipeline's own health. Counters
 * are the only place costmeter turns money into a double. Only the flush step timings are recorded
 * as the steps finish, since a slow or failing commit is what they explain.
 */
@ApplicationScoped
public class SpendMetrics {

    private final MeterRegistry registry;
    private final LabelLimiter sources;
    private final LabelLimiter models;
    private final Map<SeriesKey, Counter[]> counters = new ConcurrentHashMap<>();
    private final EnumMap<EventOutcome, Counter> events = new EnumMap<>(EventOutcome.class);
    private final Timer flushDuration;
    private final EnumMap<FlushStep, Timer> flushSteps = new EnumMap<>(FlushStep.class);
    private final Counter flushFailures;
    private final Counter repriced;
    private final Counter withoutUsage;
    private final AtomicLong consumerLag = new AtomicLong();
    private final AtomicLong lastCommitEpochSeconds = new AtomicLong();

    /** The labels of one spend series, after cardinality limits. */
    private record SeriesKey(String source, String model, String dimension, String tier) {
    }

    /**
     * Where every new label set goes once {@code costmeter.metrics.max-series} exist: one series
     * with every label "other", so the total (and PostgreSQL) stays exact while the series count
     * stops growing. Worst case per metric: max-series + 1.
     */
    private static final SeriesKey OVERFLOW = new SeriesKey(LabelLimiter.OTHER, LabelLimiter.OTHER, LabelLimiter.OTHER, LabelLimiter.OTHER);
    private final SeriesCap<SeriesKey> seriesCap;

    @Inject
    public SpendMetrics(MeterRegistry registry, CostmeterConfig config) {
        this.registry = registry;
        this.sources = new LabelLimiter(config.metrics().maxSources());
        this.models = new LabelLimiter(config.metrics().maxModels());
        this.seriesCap = new SeriesCap<>(config.metrics().maxSeries(), OVERFLOW);
        for (EventOutcome outcome : EventOutcome.values()) {
            events.put(outcome, Counter.builder("costmeter.events")
                    .description("Usage records read, by what became of them")
                    .tag("outcome", outcome.label()).register(registry));
        }
        withoutUsage = Counter.builder("costmeter.events.without.usage")
                .description("Priced events that carried no billable usage (failed calls, agent trace parts): part of outcome=priced")
                .register(registry);
        repriced = Counter.builder("costmeter.events.repriced")
                .description("Quarantined (unpriced) events priced later, once a rate card covered them").register(registry);
        flushDuration = Timer.builder("costmeter.flush.duration")
                .description("Time to commit one batch: dedup, aggregates, offsets and outputs")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        for (FlushStep step : FlushStep.values()) {
            flushSteps.put(step, Timer.builder("costmeter.flush.step.duration")
                    .description("Time in each step of a flush, committed or rolled back: where a slow commit spends it")
                    .tag("step", step.label).publishPercentiles(0.5, 0.99).register(registry));
        }
        flushFailures = Counter.builder("costmeter.flush.failures")
                .description("Flushes rolled back and retried").register(registry);
        Gauge.builder("costmeter.consumer.lag", consumerLag, AtomicLong::get)
                .description("Records in the usage topic not yet committed to PostgreSQL, summed over assigned partitions")
                .baseUnit("records").register(registry);
        Gauge.builder("costmeter.last.commit.timestamp", lastCommitEpochSeconds, AtomicLong::get)
                .description("When the last batch was committed (Unix time)").baseUnit("seconds").register(registry);
    }

    /** The steps of a flush, in the order they run (docs/operations.md, "Metrics"). */
    public enum FlushStep {
        /** Moving the stored offsets (and fencing a stale batch). */
        OFFSETS("offsets"),
        /** Registering the batch's event keys in the dedup store. */
        DEDUP("dedup"),
        /** Settling the batch against the keys seen before and handing its output records to the producer: in the service, no PostgreSQL. */
        SETTLE("settle"),
        /** Aggregates, interactions, quarantine rows and outcome counts. */
        LEDGER("ledger"),
        /** Waiting for Kafka to acknowledge the batch's output records. */
        ACKNOWLEDGEMENTS("acknowledgements");

        final String label;

        FlushStep(String label) {
            this.label = label;
        }
    }

    public void recordFlushStep(FlushStep step, long nanos) {
        flushSteps.get(step).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void recordCommitted(BatchSummary<?> summary, long flushNanos) {
        for (Map.Entry<EventOutcome, Long> e : summary.outcomes().entrySet()) {
            events.get(e.getKey()).increment(e.getValue());
        }
        recordSpend(summary.aggregates());
        // A source's interaction histograms exist (at zero) from its first interaction's first batch,
        // minutes before that interaction completes: Prometheus scrapes the zero, so rate() sees every observation.
        summary.interactions().keySet().stream().map(InteractionSums.Key::source).distinct().forEach(this::registerInteractionSource);
        withoutUsage.increment(summary.pricedWithoutUsage());
        flushDuration.record(flushNanos, TimeUnit.NANOSECONDS);
        lastCommitEpochSeconds.set(System.currentTimeMillis() / 1000);
    }

    /** Quarantined events priced again once a rate card covered them, and what they cost. */
    public void recordRepriced(long events, Map<AggregateKey, AggregateSums> aggregates) {
        repriced.increment(events);
        recordSpend(aggregates);
    }

    private void recordSpend(Map<AggregateKey, AggregateSums> aggregates) {
        // Sum the batch's rows per label set first: far fewer rows than aggregates, exact until here.
        Map<SeriesKey, BigDecimal[]> series = new HashMap<>();
        for (Map.Entry<AggregateKey, AggregateSums> row : aggregates.entrySet()) {
            AggregateKey k = row.getKey();
            SeriesKey key = new SeriesKey(sources.limit(k.source()), models.limit(k.modelId()), k.dimension(), k.serviceTier());
            BigDecimal[] sums = series.computeIfAbsent(key, x -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
            sums[0] = sums[0].add(row.getValue().costUsd());
            sums[1] = sums[1].add(row.getValue().quantity());
        }
        series.forEach((key, sums) -> {
            Counter[] pair = counters.computeIfAbsent(seriesCap.limit(key), this::register);
            pair[0].increment(sums[0].doubleValue());
            pair[1].increment(sums[1].doubleValue());
        });
    }

    private Counter[] register(SeriesKey key) {
        return new Counter[] {
                Counter.builder("costmeter.cost").baseUnit("usd")
                        .description("Spend in USD, as a float for dashboards (PostgreSQL holds the exact sums)")
                        .tags("source", key.source(), "model", key.model(), "dimension", key.dimension(), "tier", key.tier())
                        .register(registry),
                Counter.builder("costmeter.usage").baseUnit("units")
                        .description("Units used (tokens, …) by billed dimension")
                        .tags("source", key.source(), "model", key.model(), "dimension", key.dimension(), "tier", key.tier())
                        .register(registry)};
    }

    /**
     * A completed agent interaction: how many model calls it took and what it cost (the guide's
     * "5-10x your naive token estimate" shows as a model-calls histogram far from 1).
     */
    public void recordInteraction(String source, long modelCalls, BigDecimal costUsd) {
        String label = sources.limit(source);
        modelCalls(label).record(modelCalls);
        interactionCost(label).record(costUsd.movePointRight(6).doubleValue());
    }

    /**
     * Creates a source's interaction histograms at zero before anything is recorded in them: a
     * histogram born with its first observation hides it from {@code rate()}.
     */
    private void registerInteractionSource(String source) {
        String label = sources.limit(source);
        modelCalls(label);
        interactionCost(label);
    }

    private DistributionSummary modelCalls(String label) {
        return DistributionSummary.builder("costmeter.interaction.model.calls")
                .description("Model calls per completed user interaction (events sharing an interactionId)")
                .serviceLevelObjectives(1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50)
                .tag("source", label).register(registry);
    }

    private DistributionSummary interactionCost(String label) {
        // In micro-dollars: a summary's histogram counts whole units, so in dollars every interaction
        // under $1 fell into one bucket. 1-2-5 buckets from $0.000001 to $100 resolve fractions of a cent.
        return DistributionSummary.builder("costmeter.interaction.cost").baseUnit("microusd")
                .description("Cost per completed user interaction, in millionths of a USD (divide by 1e6 for dollars)")
                .serviceLevelObjectives(INTERACTION_COST_BUCKETS_MICRO_USD)
                .tag("source", label).register(registry);
    }

    /** Upper bounds of the interaction cost buckets, in micro-dollars: 1, 2, 5, 10 … 100,000,000 ($100). */
    public static final double[] INTERACTION_COST_BUCKETS_MICRO_USD = oneTwoFive(1, 100_000_000);

    static double[] oneTwoFive(long from, long to) {
        java.util.List<Double> bounds = new java.util.ArrayList<>();
        for (long decade = from; decade <= to; decade *= 10) {
            for (int step : new int[] {1, 2, 5}) {
                if (decade * step <= to) {
                    bounds.add((double) (decade * step));
                }
            }
        }
        return bounds.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public void recordFlushFailure() {
        flushFailures.increment();
    }

    public void setConsumerLag(long records) {
        consumerLag.set(records);
    }
}
