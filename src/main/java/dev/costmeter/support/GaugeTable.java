package dev.costmeter.support;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A family of gauges (one metric, a row per label set) whose values are replaced as a whole, in
 * place. Micrometer's {@code MultiGauge} with overwrite removes each gauge and registers it again,
 * and a scrape that falls in that gap misses the series, which Prometheus then marks stale: a panel
 * or an alert built on it blinks. Here a row keeps its gauge while it exists; only its value
 * changes, and only rows no longer given are removed.
 */
public final class GaugeTable {

    private final MeterRegistry registry;
    private final String name;
    private final String description;
    private final String baseUnit;
    private final Map<Tags, Row> rows = new HashMap<>();

    private record Row(AtomicLong bits, Gauge gauge) {
    }

    public GaugeTable(MeterRegistry registry, String name, String description, String baseUnit) {
        this.registry = registry;
        this.name = name;
        this.description = description;
        this.baseUnit = baseUnit;
    }

    /** The table's rows from now on: these values, and no others. */
    public synchronized void update(Map<Tags, ? extends Number> values) {
        values.forEach((tags, value) -> rows.computeIfAbsent(tags, this::register).bits().set(Double.doubleToLongBits(value.doubleValue())));
        rows.entrySet().removeIf(row -> {
            if (values.containsKey(row.getKey())) {
                return false;
            }
            registry.remove(row.getValue().gauge());
            return true;
        });
    }

    private Row register(Tags tags) {
        AtomicLong bits = new AtomicLong(Double.doubleToLongBits(0));
        Gauge gauge = Gauge.builder(name, bits, b -> Double.longBitsToDouble(b.get()))
                .description(description).baseUnit(baseUnit).tags(tags).register(registry);
        return new Row(bits, gauge);
    }
}
