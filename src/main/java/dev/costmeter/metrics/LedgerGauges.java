package dev.costmeter.metrics;

import dev.costmeter.aggregation.EventOutcome;
import dev.costmeter.budget.BudgetStore;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.storage.SpendQuery;
import dev.costmeter.support.GaugeTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The figures the spend panels show, read from PostgreSQL rather than summed from counters:
 * Prometheus' {@code increase()} cannot see a counter's first step (a source's first spend, the
 * first spend after a restart), so a panel built on it under-reports. These gauges are the ledger
 * itself, the same on every instance and across restarts (dashboards take {@code max by} the labels):
 * <ul>
 *   <li>{@code costmeter_spend_window_usd{window, source, model, dimension, tier}} and
 *       {@code costmeter_usage_window_units{…}}: spend and usage in the buckets that start in the last
 *       hour ({@code window="1h"}) or day ({@code "1d"}), exactly what {@code /api/v1/spend} answers for
 *       {@code from=now−window, to=now};</li>
 *   <li>{@code costmeter_spend_window_by_subject_usd{window, subject}}: the same by tenant, the
 *       {@code costmeter.metrics.max-subjects} dearest by name;</li>
 *   <li>{@code costmeter_events_ledger{outcome}}: records read by outcome since the ledger began (a
 *       panel takes the difference over its range);</li>
 *   <li>{@code costmeter_budget_alerts_window{window="1d", threshold}}: alerts published in the last day.</li>
 * </ul>
 * Labels are bounded as the counters' are, deterministically (the dearest sources and models of the
 * window keep their names, the rest are "other"), so that every instance exports the same series.
 * Counters stay for rates ({@code rate()} over minutes).
 */
@ApplicationScoped
public class LedgerGauges {

    private static final Logger LOG = Logger.getLogger(LedgerGauges.class);
    /** The windows of the spend gauges, by label. */
    public static final Map<String, Duration> WINDOWS = Map.of("1h", Duration.ofHours(1), "1d", Duration.ofDays(1));

    @Inject
    SpendQuery query;
    @Inject
    BudgetStore budgets;
    @Inject
    MeterRegistry registry;
    @Inject
    CostmeterConfig config;

    private GaugeTable windowCost;
    private GaugeTable windowCostBySubject;
    private GaugeTable windowUsage;
    private GaugeTable outcomes;
    private GaugeTable alerts;
    private volatile boolean started;
    private final Map<String, Cached> cache = new java.util.HashMap<>();

    private record Labels(String window, String source, String model, String dimension, String tier) {
        Tags tags() {
            return Tags.of("window", window, "source", source, "model", model, "dimension", dimension, "tier", tier);
        }
    }

    void onStart(@Observes StartupEvent event) {
        windowCost = new GaugeTable(registry, "costmeter.spend.window",
                "Spend in the buckets that start in the window (last 1h or 1d), from PostgreSQL: what the spend API answers", "usd");
        windowCostBySubject = new GaugeTable(registry, "costmeter.spend.window.by.subject",
                "Spend by tenant (subject) in the window, from PostgreSQL: the dearest keep their names, the rest are \"other\"", "usd");
        windowUsage = new GaugeTable(registry, "costmeter.usage.window",
                "Units used in the buckets that start in the window (last 1h or 1d), from PostgreSQL", "units");
        outcomes = new GaugeTable(registry, "costmeter.events.ledger",
                "Records read by outcome since the ledger began, from PostgreSQL (same on every instance)", null);
        alerts = new GaugeTable(registry, "costmeter.budget.alerts.window",
                "Budget threshold alerts published in the window, from PostgreSQL", null);
        started = true;
        refreshQuietly(); // at once: gauges exist from the start
    }

    void onStop(@Observes ShutdownEvent event) {
        started = false;
    }

    @Scheduled(identity = "ledger-gauges", delayed = "1s", every = "${costmeter.metrics.ledger-refresh-interval:PT15S}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshQuietly() {
        if (!started) {
            return;
        }
        try {
            refresh(Instant.now());
        } catch (Exception e) {
            LOG.warnf("could not read the ledger gauges from PostgreSQL (%s); they keep their last values", e.getMessage());
        }
    }

    synchronized void refresh(Instant now) throws Exception {
        Map<Tags, BigDecimal> cost = new HashMap<>();
        Map<Tags, BigDecimal> usage = new HashMap<>();
        for (Map.Entry<String, Duration> window : WINDOWS.entrySet()) {
            // Buckets that start in [now − window, now]: the API's from=now−window, to=now (the current bucket included).
            List<SpendQuery.Row> rows = rows(window.getKey(), List.of("source", "model", "dimension", "tier"), now);
            bounded(window.getKey(), rows).forEach((labels, sums) -> {
                cost.put(labels.tags(), sums[0]);
                usage.put(labels.tags(), sums[1]);
            });
        }
        windowCost.update(cost);
        windowUsage.update(usage);

        Map<Tags, BigDecimal> bySubject = new HashMap<>();
        for (Map.Entry<String, Duration> window : WINDOWS.entrySet()) {
            List<SpendQuery.Row> rows = rows(window.getKey(), List.of("subject"), now);
            Map<String, BigDecimal> subjects = new LinkedHashMap<>(); // rows come dearest first
            for (SpendQuery.Row row : rows) {
                String subject = row.group().get("subject").isEmpty() ? "(none)" : row.group().get("subject");
                subjects.merge(subjects.size() < config.metrics().maxSubjects() || subjects.containsKey(subject) ? subject : LabelLimiter.OTHER,
                        row.costUsd(), BigDecimal::add);
            }
            subjects.forEach((subject, usd) -> bySubject.put(Tags.of("window", window.getKey(), "subject", subject), usd));
        }
        windowCostBySubject.update(bySubject);

        Map<EventOutcome, Long> totals = query.outcomeTotals();
        Map<Tags, Long> outcomeRows = new HashMap<>();
        for (EventOutcome outcome : EventOutcome.values()) {
            outcomeRows.put(Tags.of("outcome", outcome.label()), totals.getOrDefault(outcome, 0L));
        }
        outcomes.update(outcomeRows);

        Map<Tags, Long> alertRows = new HashMap<>();
        budgets.alertsPublishedSince(now.minus(WINDOWS.get("1d")))
                .forEach((threshold, n) -> alertRows.put(Tags.of("window", "1d", "threshold", threshold), n));
        alerts.update(alertRows);
    }

    /** A window's totals, read again when older than the window's refresh interval (a day's scan is not every 15 s). */
    private List<SpendQuery.Row> rows(String window, List<String> groupBy, Instant now) throws java.sql.SQLException {
        Duration every = window.equals("1h") ? config.metrics().ledgerRefreshInterval() : config.metrics().ledgerDayRefreshInterval();
        String key = window + groupBy;
        Cached cached = cache.get(key);
        if (cached == null || !now.isBefore(cached.at().plus(every))) {
            cached = new Cached(now, query.totals(now.minus(WINDOWS.get(window)), now.plusMillis(1), groupBy, Map.of()));
            cache.put(key, cached);
        }
        return cached.rows();
    }

    private record Cached(Instant at, List<SpendQuery.Row> rows) {
    }

    /**
     * The window's rows under the label limits: the dearest sources and models keep their names
     * (ties by name, so every instance agrees), the rest are "other"; past the series cap, all "other".
     */
    private Map<Labels, BigDecimal[]> bounded(String window, List<SpendQuery.Row> rowsByCostDescending) {
        Set<String> sources = new HashSet<>();
        Set<String> models = new HashSet<>();
        Map<String, BigDecimal> costBySource = new LinkedHashMap<>();
        Map<String, BigDecimal> costByModel = new LinkedHashMap<>();
        for (SpendQuery.Row row : rowsByCostDescending) {
            costBySource.merge(row.group().get("source"), row.costUsd(), BigDecimal::add);
            costByModel.merge(row.group().get("model"), row.costUsd(), BigDecimal::add);
        }
        top(costBySource, config.metrics().maxSources(), sources);
        top(costByModel, config.metrics().maxModels(), models);
        SeriesCap<Labels> cap = new SeriesCap<>(config.metrics().maxSeries(),
                new Labels(window, LabelLimiter.OTHER, LabelLimiter.OTHER, LabelLimiter.OTHER, LabelLimiter.OTHER));
        Map<Labels, BigDecimal[]> bounded = new LinkedHashMap<>();
        for (SpendQuery.Row row : rowsByCostDescending) {
            String source = row.group().get("source");
            String model = row.group().get("model");
            Labels labels = cap.limit(new Labels(window, sources.contains(source) ? source : LabelLimiter.OTHER,
                    models.contains(model) ? model : LabelLimiter.OTHER, row.group().get("dimension"), row.group().get("tier")));
            BigDecimal[] sums = bounded.computeIfAbsent(labels, l -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
            sums[0] = sums[0].add(row.costUsd());
            sums[1] = sums[1].add(row.quantity());
        }
        return bounded;
    }

    private static void top(Map<String, BigDecimal> cost, int n, Set<String> into) {
        cost.entrySet().stream()
                .sorted(Map.Entry.<String, BigDecimal>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(n).forEach(e -> into.add(e.getKey()));
    }
}
