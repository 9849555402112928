package dev.costmeter.interaction;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.metrics.SpendMetrics;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import dev.costmeter.support.Daemons;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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
    AgroalDataSource dataSource;
    @Inject
    SpendMetrics metrics;

    private ScheduledExecutorService scheduler;

    record Completed(String source, long modelCalls, BigDecimal costUsd) {
    }

    void onStart(@Observes StartupEvent event) {
        long every = config.interactions().checkInterval().toMillis();
        scheduler = Daemons.scheduler("costmeter-interactions");
        scheduler.scheduleWithFixedDelay(this::reportQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void reportQuietly() {
        try {
            for (Completed c : claimCompleted(10_000)) {
                metrics.recordInteraction(c.source(), c.modelCalls(), c.costUsd());
            }
            forgetOlderThan(config.interactions().retention());
        } catch (Exception e) {
            LOG.warn("could not report completed interactions; will try again", e);
        }
    }

    /** Deletes observed interactions past the retention, a chunk at a time. */
    public int forgetOlderThan(java.time.Duration retention) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement delete = c.prepareStatement("""
                     delete from interaction_spend where ctid = any(array(
                         select ctid from interaction_spend where observed and last_event_time < now() - make_interval(secs => ?)
                         limit 10000))""")) {
            delete.setDouble(1, retention.toSeconds());
            return delete.executeUpdate();
        }
    }

    /** Marks idle interactions observed and returns them (autocommit: one statement). */
    List<Completed> claimCompleted(int limit) throws SQLException {
        List<Completed> completed = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement claim = c.prepareStatement("""
                     with idle as (
                         select source, interaction_id from interaction_spend
                         where not observed and updated_at < now() - make_interval(secs => ?)
                         order by updated_at limit ? for update skip locked)
                     update interaction_spend i set observed = true from idle
                     where i.source = idle.source and i.interaction_id = idle.interaction_id
                     returning i.source, i.model_calls, i.cost_usd""")) {
            claim.setDouble(1, config.interactions().idleTimeout().toMillis() / 1000.0);
            claim.setInt(2, limit);
            try (ResultSet rows = claim.executeQuery()) {
                while (rows.next()) {
                    completed.add(new Completed(rows.getString(1), rows.getLong(2), rows.getBigDecimal(3)));
                }
            }
        }
        return completed;
    }
}
