package dev.costmeter.metrics;

import dev.costmeter.aggregation.AggregateKey;
import dev.costmeter.aggregation.AggregateSums;
import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.EventOutcome;
import dev.costmeter.config.CostmeterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics, recorded once per committed flush (never per event, never before the commit):
 * spend and usage by source, model, dimension and tier, and the pipeline's own health. Counters
 * are the only place costmeter turns money into a double.
 */
@ApplicationScoped
public class SpendMetrics {

    private final MeterRegistry registry;
    private final LabelLimiter sources;
    private final LabelLimiter models;
    private final EnumMap<EventOutcome, Counter> events = new EnumMap<>(EventOutcome.class);
    private final Timer flushDuration;
    private final Counter flushFailures;
    private final AtomicLong consumerLag = new AtomicLong();
    private final AtomicLong lastCommitEpochSeconds = new AtomicLong();

    @Inject
    public SpendMetrics(MeterRegistry registry, CostmeterConfig config) {
        this.registry = registry;
        this.sources = new LabelLimiter(config.metrics().maxSources());
        this.models = new LabelLimiter(config.metrics().maxModels());
        for (EventOutcome outcome : EventOutcome.values()) {
            events.put(outcome, Counter.builder("costmeter.events")
                    .description("Usage records read, by what became of them")
                    .tag("outcome", outcome.label()).register(registry));
        }
        flushDuration = Timer.builder("costmeter.flush.duration")
                .description("Time to commit one batch: dedup, aggregates, offsets and outputs")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        flushFailures = Counter.builder("costmeter.flush.failures")
                .description("Flushes rolled back and retried").register(registry);
        Gauge.builder("costmeter.consumer.lag", consumerLag, AtomicLong::get)
                .description("Records in the usage topic not yet read, summed over assigned partitions")
                .baseUnit("records").register(registry);
        Gauge.builder("costmeter.last.commit.timestamp", lastCommitEpochSeconds, AtomicLong::get)
                .description("When the last batch was committed (Unix time)").baseUnit("seconds").register(registry);
    }

    public void recordCommitted(BatchSummary summary, long flushNanos) {
        for (Map.Entry<EventOutcome, Long> e : summary.outcomes().entrySet()) {
            events.get(e.getKey()).increment(e.getValue());
        }
        for (Map.Entry<AggregateKey, AggregateSums> row : summary.aggregates().entrySet()) {
            AggregateKey k = row.getKey();
            String source = sources.limit(k.source());
            String model = models.limit(k.modelId());
            Counter.builder("costmeter.cost").baseUnit("usd")
                    .description("Exact spend, as a float for dashboards (PostgreSQL holds the exact sums)")
                    .tags("source", source, "model", model, "dimension", k.dimension(), "tier", k.serviceTier())
                    .register(registry).increment(row.getValue().costUsd().doubleValue());
            Counter.builder("costmeter.usage").baseUnit("units")
                    .description("Units used (tokens, …) by billed dimension")
                    .tags("source", source, "model", model, "dimension", k.dimension(), "tier", k.serviceTier())
                    .register(registry).increment(row.getValue().quantity().doubleValue());
        }
        flushDuration.record(flushNanos, TimeUnit.NANOSECONDS);
        lastCommitEpochSeconds.set(System.currentTimeMillis() / 1000);
    }

    public void recordFlushFailure() {
        flushFailures.increment();
    }

    public void setConsumerLag(long records) {
        consumerLag.set(records);
    }
}
