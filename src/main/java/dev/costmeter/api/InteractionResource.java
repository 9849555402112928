package dev.costmeter.api;

import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Agent cost multiplication, made visible: per user interaction (events sharing an
 * {@code interactionId}), how many model calls it took and what it cost.
 */
@Path("/api/v1/interactions")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
public class InteractionResource {

    @Inject
    AgroalDataSource dataSource;

    /**
     * @param from   interactions whose last event is at or after this instant; default: start of the UTC month
     * @param to     …and before this one; default: now
     * @param source only this application's interactions
     * @param top    how many of the most expensive interactions to list
     */
    @GET
    public Map<String, Object> summary(@QueryParam("from") String from, @QueryParam("to") String to,
                                       @QueryParam("source") String source, @QueryParam("top") @DefaultValue("10") int top)
            throws SQLException {
        TimeRange range = TimeRange.of(from, to);
        Instant start = range.from();
        Instant end = range.to();
        if (top < 0 || top > 1000) {
            throw new ApiException(400, "top: must be between 0 and 1000");
        }
        String where = " where last_event_time >= ? and last_event_time < ?" + (source == null ? "" : " and source = ?");
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("from", start.toString());
        response.put("to", end.toString());
        response.put("source", source);
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("""
                    select count(*), coalesce(sum(model_calls), 0), coalesce(sum(cost_usd), 0),
                           percentile_cont(0.5) within group (order by model_calls),
                           percentile_cont(0.9) within group (order by model_calls), max(model_calls),
                           percentile_disc(0.5) within group (order by cost_usd),
                           percentile_disc(0.9) within group (order by cost_usd), max(cost_usd)
                    from interaction_spend""" + where)) {
                bind(s, start, end, source);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    long interactions = rs.getLong(1);
                    response.put("interactions", interactions);
                    response.put("modelCalls", rs.getLong(2));
                    response.put("costUsd", Money.plain(rs.getBigDecimal(3)));
                    if (interactions > 0) {
                        response.put("modelCallsPerInteraction", Map.of(
                                "mean", BigDecimal.valueOf(rs.getLong(2)).divide(BigDecimal.valueOf(interactions), 2, java.math.RoundingMode.HALF_EVEN).toPlainString(),
                                "p50", rs.getDouble(4), "p90", rs.getDouble(5), "max", rs.getLong(6)));
                        response.put("costUsdPerInteraction", Map.of(
                                "mean", Money.plain(rs.getBigDecimal(3).divide(BigDecimal.valueOf(interactions), 10, java.math.RoundingMode.HALF_EVEN)),
                                "p50", Money.plain(rs.getBigDecimal(7)), "p90", Money.plain(rs.getBigDecimal(8)),
                                "max", Money.plain(rs.getBigDecimal(9))));
                    }
                }
            }
            List<Map<String, Object>> expensive = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("""
                    select source, interaction_id, first_event_time, last_event_time, model_calls, events, cost_usd
                    from interaction_spend""" + where + " order by cost_usd desc, interaction_id limit " + top)) {
                bind(s, start, end, source);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> i = new LinkedHashMap<>();
                        i.put("source", rs.getString(1));
                        i.put("interactionId", rs.getString(2));
                        i.put("firstEventTime", rs.getTimestamp(3).toInstant().toString());
                        i.put("lastEventTime", rs.getTimestamp(4).toInstant().toString());
                        i.put("modelCalls", rs.getLong(5));
                        i.put("events", rs.getLong(6));
                        i.put("costUsd", Money.plain(rs.getBigDecimal(7)));
                        expensive.add(i);
                    }
                }
            }
            response.put("mostExpensive", expensive);
        }
        return response;
    }

    private static void bind(PreparedStatement s, Instant start, Instant end, String source) throws SQLException {
        s.setTimestamp(1, Timestamp.from(start));
        s.setTimestamp(2, Timestamp.from(end));
        if (source != null) {
            s.setString(3, source);
        }
    }
}
