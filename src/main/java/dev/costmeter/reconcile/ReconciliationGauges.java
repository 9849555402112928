package dev.costmeter.reconcile;

import dev.costmeter.support.GaugeTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code costmeter_reconciliation_cost_usd{classification,side}}: the last reconciliation's billed
 * and metered cost per classification (side "billed" or "metered"; their difference is what the
 * bill and costmeter disagree on). Five classifications × two sides: ten series, never more. Read
 * again from PostgreSQL every minute, so a restart does not blank the panel and every instance shows
 * the run any of them made.
 */
@ApplicationScoped
public class ReconciliationGauges {

    private static final Logger LOG = Logger.getLogger(ReconciliationGauges.class);

    @Inject
    MeterRegistry registry;
    @Inject
    ReconciliationService service;

    private GaugeTable costs;

    void onStart(@Observes StartupEvent event) {
        costs = new GaugeTable(registry, "costmeter.reconciliation.cost",
                "The last reconciliation's billed and metered cost per classification (see /api/v1/reconciliations)", "usd");
    }

    @Scheduled(identity = "reconciliation-gauges", delayed = "2s", every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshQuietly() {
        try {
            service.lastSummary().ifPresent(this::show);
        } catch (Exception e) {
            LOG.warnf("could not read the last reconciliation (%s); the gauges keep their values", e.getMessage());
        }
    }

    void show(ReconciliationService.Summary summary) {
        if (costs == null) {
            return;
        }
        Map<Tags, BigDecimal> rows = new HashMap<>();
        summary.byClassification().forEach((classification, totals) -> {
            String name = classification.name().toLowerCase(Locale.ROOT);
            rows.put(Tags.of("classification", name, "side", "billed"), totals.billedCost());
            rows.put(Tags.of("classification", name, "side", "metered"), totals.meteredCost());
        });
        costs.update(rows);
    }
}
