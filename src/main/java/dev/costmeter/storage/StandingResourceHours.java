package dev.costmeter.storage;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * The hours of standing resources (table {@code standing_resource_hour}) whose usage events were
 * published, and where each resource's accrual starts.
 */
@ApplicationScoped
public class StandingResourceHours {

    @Inject
    AgroalDataSource dataSource;

    /** The first hour on record for the resource, or null. */
    public Instant firstHour(String resource) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement first = c.prepareStatement("select min(hour_start) from standing_resource_hour where resource = ?")) {
            first.setString(1, resource);
            try (ResultSet rs = first.executeQuery()) {
                rs.next();
                Timestamp earliest = rs.getTimestamp(1);
                return earliest == null ? null : earliest.toInstant();
            }
        }
    }

    /** Records where a new resource's accrual starts (an hour not yet published), unless one is on record. */
    public void markStart(String resource, Instant hour) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("""
                     insert into standing_resource_hour (resource, hour_start, published) values (?, ?, false)
                     on conflict do nothing""")) {
            insert.setString(1, resource);
            insert.setTimestamp(2, Timestamp.from(hour));
            insert.executeUpdate();
        }
    }

    /**
     * Publishes the hour's event at most once, across restarts and instances: the claim (a new row,
     * or the start marker turned published) and the wait for Kafka's acknowledgement share one
     * transaction. If Kafka does not take it, the claim rolls back and the next attempt publishes
     * it; if the process dies after the acknowledgement and before the commit, it is published again
     * with the same event id, which costmeter's dedup drops. A concurrent claim waits on the row lock.
     *
     * @return true if this call claimed and published, false if the hour was published before
     */
    public boolean publishOnce(String resource, Instant hour, Publication publication) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement claim = c.prepareStatement("""
                    insert into standing_resource_hour (resource, hour_start, published) values (?, ?, true)
                    on conflict (resource, hour_start) do update set published = true
                    where not standing_resource_hour.published""")) {
                claim.setString(1, resource);
                claim.setTimestamp(2, Timestamp.from(hour));
                if (claim.executeUpdate() == 0) {
                    c.rollback();
                    return false;
                }
                publication.publishAndWait();
                c.commit();
                return true;
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }
}
