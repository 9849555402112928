package dev.costmeter.storage;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Agent interactions (table {@code interaction_spend}) as the ingest loop sums them: the summary the
 * API answers, and the completed ones the Prometheus histograms count once.
 */
@ApplicationScoped
public class InteractionStore {

    @Inject
    AgroalDataSource dataSource;

    /** One interaction's totals. */
    public record Interaction(String source, String interactionId, Instant firstEventTime, Instant lastEventTime, long modelCalls,
                              long events, BigDecimal costUsd) {
    }

    /** Interactions whose last event falls in a range: counts, percentiles and the dearest. */
    public record Summary(long interactions, long modelCalls, BigDecimal costUsd, double modelCallsP50, double modelCallsP90,
                          long modelCallsMax, BigDecimal costUsdP50, BigDecimal costUsdP90, BigDecimal costUsdMax,
                          List<Interaction> mostExpensive) {
    }

    /** An interaction no event has added to for the idle timeout, claimed for reporting. */
    public record Completed(String source, long modelCalls, BigDecimal costUsd) {
    }

    /** Interactions whose last event is in [from, to), of one source or all (null), with the {@code top} dearest. */
    public Summary summary(Instant from, Instant to, String source, int top) throws SQLException {
        String where = " where last_event_time >= ? and last_event_time < ?" + (source == null ? "" : " and source = ?");
        try (Connection c = dataSource.getConnection()) {
            List<Interaction> expensive = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("""
                    select source, interaction_id, first_event_time, last_event_time, model_calls, events, cost_usd
                    from interaction_spend""" + where + " order by cost_usd desc, interaction_id limit ?")) {
                int next = bind(s, from, to, source);
                s.setInt(next, top);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        expensive.add(new Interaction(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                                rs.getTimestamp(4).toInstant(), rs.getLong(5), rs.getLong(6), rs.getBigDecimal(7)));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("""
                    select count(*), coalesce(sum(model_calls), 0), coalesce(sum(cost_usd), 0),
                           percentile_cont(0.5) within group (order by model_calls),
                           percentile_cont(0.9) within group (order by model_calls), max(model_calls),
                           percentile_disc(0.5) within group (order by cost_usd),
                           percentile_disc(0.9) within group (order by cost_usd), max(cost_usd)
                    from interaction_spend""" + where)) {
                bind(s, from, to, source);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return new Summary(rs.getLong(1), rs.getLong(2), rs.getBigDecimal(3), rs.getDouble(4), rs.getDouble(5), rs.getLong(6),
                            rs.getBigDecimal(7), rs.getBigDecimal(8), rs.getBigDecimal(9), expensive);
                }
            }
        }
    }

    /**
     * Per source, its interactions whose last event is in [from, to): how many, the p90 of model
     * calls, how many made more, their cost, and the cost of the calls beyond the p90 in those (each
     * call at its interaction's average cost).
     */
    public record CallsBeyondP90(String source, long interactions, long p90Calls, long aboveP90, BigDecimal costUsd,
                                 BigDecimal costBeyondP90Usd) {
    }

    public List<CallsBeyondP90> callsBeyondP90(Instant from, Instant to, String source) throws SQLException {
        String where = " where last_event_time >= ? and last_event_time < ?" + (source == null ? "" : " and source = ?");
        List<CallsBeyondP90> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     with i as (select source, model_calls, cost_usd from interaction_spend""" + where + """
                     ), p as (select source, percentile_disc(0.9) within group (order by model_calls) as p90 from i group by source)
                     select i.source, count(*), p.p90, count(*) filter (where i.model_calls > p.p90), sum(i.cost_usd),
                            coalesce(sum(i.cost_usd * (i.model_calls - p.p90) / i.model_calls) filter (where i.model_calls > p.p90), 0)
                     from i join p using (source) group by i.source, p.p90 order by i.source""")) {
            bind(s, from, to, source);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new CallsBeyondP90(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getBigDecimal(5),
                            rs.getBigDecimal(6).setScale(10, java.math.RoundingMode.HALF_UP).stripTrailingZeros()));
                }
            }
        }
        return out;
    }

    /** Deletes up to 10,000 reported interactions whose last event is older than the retention. */
    public int forgetReportedOlderThan(Duration retention) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement delete = c.prepareStatement("""
                     delete from interaction_spend where ctid = any(array(
                         select ctid from interaction_spend where observed and last_event_time < now() - make_interval(secs => ?)
                         limit 10000))""")) {
            delete.setDouble(1, retention.toSeconds());
            return delete.executeUpdate();
        }
    }

    /**
     * Marks up to {@code limit} interactions idle for {@code idleTimeout} as reported and returns them,
     * in one statement: each is claimed by exactly one instance.
     */
    public List<Completed> claimCompleted(Duration idleTimeout, int limit) throws SQLException {
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
            claim.setDouble(1, idleTimeout.toMillis() / 1000.0);
            claim.setInt(2, limit);
            try (ResultSet rows = claim.executeQuery()) {
                while (rows.next()) {
                    completed.add(new Completed(rows.getString(1), rows.getLong(2), rows.getBigDecimal(3)));
                }
            }
        }
        return completed;
    }

    private static int bind(PreparedStatement s, Instant from, Instant to, String source) throws SQLException {
        s.setTimestamp(1, Timestamp.from(from));
        s.setTimestamp(2, Timestamp.from(to));
        if (source != null) {
            s.setString(3, source);
            return 4;
        }
        return 3;
    }
}
