package dev.costmeter.api;

import dev.costmeter.metrics.SpendMetrics;
import dev.costmeter.pricing.Money;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.quarantine.QuarantineRepricer;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.QuarantinedEventRow;
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

    /** The quarantine: how many events, by reason, and the oldest of them. */
    public record QuarantineResponse(long total, List<ReasonCount> byReason, List<QuarantinedEvent> events) {
    }

    public record ReasonCount(String reason, long events) {
    }

    /** A quarantined event: which one, and why no card priced it. */
    public record QuarantinedEvent(String source, String id, String time, String modelId, String reason, String rateCardVersion,
                                   String quarantinedAt) {
    }

    /** What a re-pricing run did. */
    public record RepriceResponse(long examined, long priced, long stillUnpriced, String costUsd, Map<String, Long> stillUnpricedByReason) {
    }

    /** Counts by reason, and the oldest quarantined events. */
    @GET
    @RolesAllowed(Roles.VIEWER)
    @jakarta.transaction.Transactional
    public QuarantineResponse list(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 0 || limit > 10_000) {
            throw new ApiException(400, "limit: must be between 0 and 10000");
        }
        List<ReasonCount> byReason = QuarantinedEventRow.countedByReason().entrySet().stream()
                .map(r -> new ReasonCount(r.getKey(), r.getValue())).toList();
        List<QuarantinedEvent> events = QuarantinedEventRow.oldest(limit).stream()
                .map(row -> new QuarantinedEvent(row.source, row.eventId, row.eventTime.toString(), row.modelId, row.reason,
                        row.rateCardVersion, row.quarantinedAt.toString())).toList();
        return new QuarantineResponse(byReason.stream().mapToLong(ReasonCount::events).sum(), byReason, events);
    }

    /**
     * Prices up to {@code limit} quarantined events with the rate cards known now; those a card
     * covers are charged exactly once and leave the quarantine. Safe to call again, and from
     * several instances at once.
     */
    @POST
    @Path("/reprice")
    @RolesAllowed(Roles.ADMIN)
    public RepriceResponse reprice(@QueryParam("limit") @DefaultValue("10000") int limit, @Context SecurityContext security)
            throws SQLException, UsageOutputs.OutputException {
        if (limit < 1 || limit > 100_000) {
            throw new ApiException(400, "limit: must be between 1 and 100000");
        }
        QuarantineRepricer.Result result = repricer.reprice(security.getUserPrincipal().getName(), limit);
        metrics.recordRepriced(result.priced(), result.aggregates()); // committed: now it may count
        return new RepriceResponse(result.examined(), result.priced(), result.stillUnpriced(), Money.plain(result.costUsd()),
                result.stillUnpricedByReason());
    }
}
