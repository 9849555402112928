package dev.costmeter.savings;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.metrics.LabelLimiter;
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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code costmeter_savings_available_usd{strategy,source}}: what each strategy would save each
 * source in a 30-day month, projected from this month's usage so far (UTC), summed over models.
 * Labels are bounded: the strategies are a fixed set, sources beyond
 * {@code costmeter.metrics.max-sources} are "other".
 */
@ApplicationScoped
public class SavingsGauges {

    private static final Logger LOG = Logger.getLogger(SavingsGauges.class);

    @Inject
    SavingsService savings;
    @Inject
    CostmeterConfig config;
    @Inject
    MeterRegistry registry;

    private GaugeTable available;
    private LabelLimiter sources;

    void onStart(@Observes StartupEvent event) {
        available = new GaugeTable(registry, "costmeter.savings.available",
                "What each strategy would save each source in a 30-day month, projected from this month's usage (see /api/v1/savings)", "usd");
        sources = new LabelLimiter(config.metrics().maxSources());
    }

    @Scheduled(identity = "savings-gauges", delayed = "5s", every = "${costmeter.savings.refresh-interval:PT5M}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshQuietly() {
        try {
            refresh(Instant.now());
        } catch (Exception e) {
            LOG.warnf("could not compute the savings gauges (%s); they keep their last values", e.getMessage());
        }
    }

    void refresh(Instant now) throws Exception {
        if (available == null) {
            return;
        }
        Instant monthStart = LocalDate.ofInstant(now, ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        SavingsService.Result result = savings.advise(monthStart, now, null).orElse(null);
        if (result == null) {
            return;
        }
        Map<Tags, BigDecimal> rows = new HashMap<>();
        for (SavingsAdvisor.Recommendation r : result.advice().recommendations()) {
            rows.merge(Tags.of("strategy", r.strategy(), "source", sources.limit(r.source())), r.savingPerMonthUsd(), BigDecimal::add);
        }
        available.update(rows);
    }
}
