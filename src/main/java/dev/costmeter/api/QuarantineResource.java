package dev.costmeter.api;

import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.pricing.Money;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.quarantine.QuarantineRepricer;
import dev.costmeter.storage.QuarantinedEventRow;
import dev.costmeter.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quarantine: valid events no rate card could price, with the reason, and the command that
 * prices them again once a card covers them.
 */
@Path("/api/v1/unpriced")
@Produces(MediaType.APPLICATION_JSON)
public class QuarantineResource {

    @Inject
    QuarantineRepricer repricer;
    @Inject
    SpendMetrics metrics;

    /** Counts by reason, and the oldest quarantined events. */
    @GET
    @RolesAllowed(Roles.VIEWER)
    @jakarta.transaction.Transactional
    public Map<String, Object> list(@QueryParam("limit") @DefaultValue("100") int limit) throws SQLException {
        if (limit < 0 || limit > 10_000) {
            throw new ApiException(400, "limit: must be between 0 and 10000");
        }
        Map<String, Object> response = new LinkedHashMap<>();
        List<Map<String, Object>> byReason = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, Long> reason : QuarantinedEventRow.countedByReason().entrySet()) {
            byReason.add(Map.of("reason", reason.getKey(), "events", reason.getValue()));
            total += reason.getValue();
        }
        List<Map<String, Object>> events = new ArrayList<>();
        for (QuarantinedEventRow row : QuarantinedEventRow.oldest(limit)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("source", row.source);
            e.put("id", row.eventId);
            e.put("time", row.eventTime.toString());
            e.put("modelId", row.modelId);
            e.put("reason", row.reason);
            e.put("rateCardVersion", row.rateCardVersion);
            e.put("quarantinedAt", row.quarantinedAt.toString());
            events.add(e);
        }
        response.put("total", total);
        response.put("byReason", byReason);
        response.put("events", events);
        return response;
    }

    /**
     * Prices up to {@code limit} quarantined events with the rate cards known now; those a card
     * covers are charged exactly once and leave the quarantine. Safe to call again, and from
     * several instances at once.
     */
    @POST
    @Path("/reprice")
    @RolesAllowed(Roles.ADMIN)
    public Map<String, Object> reprice(@QueryParam("limit") @DefaultValue("10000") int limit, @Context SecurityContext security)
            throws SQLException, UsageOutputs.OutputException {
        if (limit < 1 || limit > 100_000) {
            throw new ApiException(400, "limit: must be between 1 and 100000");
        }
        QuarantineRepricer.Result result = repricer.reprice(security.getUserPrincipal().getName(), limit);
        metrics.recordRepriced(result.priced(), result.aggregates()); // committed: now it may count
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("examined", result.examined());
        response.put("priced", result.priced());
        response.put("stillUnpriced", result.stillUnpriced());
        response.put("costUsd", Money.plain(result.costUsd()));
        response.put("stillUnpricedByReason", result.stillUnpricedByReason());
        return response;
    }
}
