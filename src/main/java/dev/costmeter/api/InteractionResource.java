package dev.costmeter.api;

import dev.costmeter.storage.InteractionStore;
import java.math.RoundingMode;
import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.sql.SQLException;
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
    InteractionStore store;

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
        InteractionStore.Summary summary = store.summary(start, end, source, top);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("from", start.toString());
        response.put("to", end.toString());
        response.put("source", source);
        long interactions = summary.interactions();
        response.put("interactions", interactions);
        response.put("modelCalls", summary.modelCalls());
        response.put("costUsd", Money.plain(summary.costUsd()));
        if (interactions > 0) {
            response.put("modelCallsPerInteraction", Map.of(
                    "mean", BigDecimal.valueOf(summary.modelCalls()).divide(BigDecimal.valueOf(interactions), 2, RoundingMode.HALF_EVEN).toPlainString(),
                    "p50", summary.modelCallsP50(), "p90", summary.modelCallsP90(), "max", summary.modelCallsMax()));
            response.put("costUsdPerInteraction", Map.of(
                    "mean", Money.plain(summary.costUsd().divide(BigDecimal.valueOf(interactions), 10, RoundingMode.HALF_EVEN)),
                    "p50", Money.plain(summary.costUsdP50()), "p90", Money.plain(summary.costUsdP90()),
                    "max", Money.plain(summary.costUsdMax())));
        }
        List<Map<String, Object>> expensive = new ArrayList<>();
        for (InteractionStore.Interaction i : summary.mostExpensive()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("source", i.source());
            row.put("interactionId", i.interactionId());
            row.put("firstEventTime", i.firstEventTime().toString());
            row.put("lastEventTime", i.lastEventTime().toString());
            row.put("modelCalls", i.modelCalls());
            row.put("events", i.events());
            row.put("costUsd", Money.plain(i.costUsd()));
            expensive.add(row);
        }
        response.put("mostExpensive", expensive);
        return response;
    }
}
