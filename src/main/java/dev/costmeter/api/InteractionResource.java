package dev.costmeter.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.InteractionStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

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
    /** Agent interactions in a range: how many, their model calls and cost (mean and percentiles), the dearest. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InteractionsResponse(String from, String to, String source, long interactions, long modelCalls, String costUsd,
                                       CallsPerInteraction modelCallsPerInteraction, CostPerInteraction costUsdPerInteraction,
                                       List<InteractionView> mostExpensive) {
    }

    public record CallsPerInteraction(String mean, double p50, double p90, long max) {
    }

    public record CostPerInteraction(String mean, String p50, String p90, String max) {
    }

    public record InteractionView(String source, String interactionId, String firstEventTime, String lastEventTime, long modelCalls,
                                  long events, String costUsd) {
    }

    @GET
    public InteractionsResponse summary(@QueryParam("from") String from, @QueryParam("to") String to,
                                       @QueryParam("source") String source, @QueryParam("top") @DefaultValue("10") int top)
            throws SQLException {
        TimeRange range = TimeRange.of(from, to);
        Instant start = range.from();
        Instant end = range.to();
        if (top < 0 || top > 1000) {
            throw new ApiException(400, "top: must be between 0 and 1000");
        }
        InteractionStore.Summary summary = store.summary(start, end, source, top);
        long interactions = summary.interactions();
        CallsPerInteraction calls = null;
        CostPerInteraction cost = null;
        if (interactions > 0) {
            calls = new CallsPerInteraction(BigDecimal.valueOf(summary.modelCalls())
                    .divide(BigDecimal.valueOf(interactions), 2, RoundingMode.HALF_EVEN).toPlainString(),
                    summary.modelCallsP50(), summary.modelCallsP90(), summary.modelCallsMax());
            cost = new CostPerInteraction(Money.plain(summary.costUsd().divide(BigDecimal.valueOf(interactions), 10, RoundingMode.HALF_EVEN)),
                    Money.plain(summary.costUsdP50()), Money.plain(summary.costUsdP90()), Money.plain(summary.costUsdMax()));
        }
        List<InteractionView> expensive = summary.mostExpensive().stream().map(i -> new InteractionView(i.source(), i.interactionId(),
                i.firstEventTime().toString(), i.lastEventTime().toString(), i.modelCalls(), i.events(), Money.plain(i.costUsd()))).toList();
        return new InteractionsResponse(start.toString(), end.toString(), source, interactions, summary.modelCalls(),
                Money.plain(summary.costUsd()), calls, cost, expensive);
    }
}
