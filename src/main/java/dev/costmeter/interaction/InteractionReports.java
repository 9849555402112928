package dev.costmeter.interaction;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.storage.InteractionStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.time.Duration;

/**
 * Reports completed agent interactions to the Prometheus histograms. An interaction is complete
 * when no event has added to it for {@code costmeter.interactions.idle-timeout}. Each is claimed
 * by exactly one instance (the row is marked observed in the same statement that reads it), so
 * the histograms summed over instances count every interaction once.
 */
@ApplicationScoped
public class InteractionReports {

    private static final Logger LOG = Logger.getLogger(InteractionReports.class);

    @Inject
    CostmeterConfig config;
    @Inject
    InteractionStore store;
    @Inject
    SpendMetrics metrics;

    @Scheduled(identity = "interactions", every = "${costmeter.interactions.check-interval:PT30S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void reportQuietly() {
        try {
            for (InteractionStore.Completed c : store.claimCompleted(config.interactions().idleTimeout(), 10_000)) {
                metrics.recordInteraction(c.source(), c.modelCalls(), c.costUsd());
            }
            forgetOlderThan(config.interactions().retention());
        } catch (Exception e) {
            LOG.warn("could not report completed interactions; will try again", e);
        }
    }

    /** Deletes reported interactions past the retention, a chunk at a time. */
    public int forgetOlderThan(Duration retention) throws SQLException {
        return store.forgetReportedOlderThan(retention);
    }
}
