package dev.costmeter.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.costmeter.aggregation.EventOutcome;
import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.RerateLedger;
import dev.costmeter.storage.SpendQuery;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Spend totals from PostgreSQL, the source of truth. Money is always a decimal string. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
public class SpendResource {

    @Inject
    SpendQuery query;
    @Inject
    RerateLedger rerates;


    /**
     * @param from    first instant (inclusive, ISO-8601); default: start of the current UTC month
     * @param to      last instant (exclusive); default: now. Buckets are selected by their start.
     * @param groupBy comma-separated: source, subject, model, region, tier, dimension, rateCardVersion.
     *                When grouped by dimension, each group also has its quantity (in the dimension's
     *                unit) and the number of events with usage in that dimension.
     */
    /**
     * Spend in a range. {@code groups}: one object per group, with the grouping fields' values,
     * {@code costUsd}, and (when grouped by dimension) {@code quantity} and {@code events}.
     */
    public record SpendResponse(String from, String to, List<String> groupBy, Map<String, String> filters, String currency,
                                String totalCostUsd, List<Map<String, Object>> groups,
                                @JsonInclude(JsonInclude.Include.NON_NULL) List<AdjustmentView> adjustments) {
    }

    /** An applied re-rate that overlaps the range: its effect is already in the totals; this says it happened and why. */
    public record AdjustmentView(String id, String appliedAt, String appliedBy, String reason, String from, String to, String targetVersion,
                                 String deltaUsd) {
    }

    /** Every record read has exactly one outcome: read = priced + duplicate + invalid + unpriced + conflict. */
    public record OutcomesResponse(long priced, long duplicate, long invalid, long unpriced, long conflict, long read,
                                   long pricedWithoutUsage) {
    }

    @GET
    @Path("/spend")
    public SpendResponse spend(@QueryParam("from") String from, @QueryParam("to") String to,
                                     @QueryParam("groupBy") String groupBy,
                                     @QueryParam("source") String source, @QueryParam("subject") String subject,
                                     @QueryParam("model") String model, @QueryParam("dimension") String dimension,
                                     @QueryParam("tier") String tier, @QueryParam("adjustments") boolean adjustments) throws SQLException {
        TimeRange range = TimeRange.of(from, to);
        Instant start = range.from();
        Instant end = range.to();
        List<String> groups = new ArrayList<>();
        if (groupBy != null && !groupBy.isBlank()) {
            for (String g : Arrays.stream(groupBy.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()) {
                if (!SpendQuery.GROUPABLE.containsKey(g)) {
                    throw new ApiException(400, "groupBy: unknown field '" + g + "'; use any of "
                            + String.join(", ", new TreeSet<>(SpendQuery.GROUPABLE.keySet())));
                }
                if (!groups.contains(g)) {
                    groups.add(g);
                }
            }
        }
        Map<String, String> filters = new LinkedHashMap<>();
        putIfPresent(filters, "source", source);
        putIfPresent(filters, "subject", subject);
        putIfPresent(filters, "model", model);
        putIfPresent(filters, "dimension", dimension);
        putIfPresent(filters, "tier", tier);

        BigDecimal total = BigDecimal.ZERO;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SpendQuery.Row row : query.totals(start, end, groups, filters)) {
            Map<String, Object> out = new LinkedHashMap<>(row.group());
            out.put("costUsd", Money.plain(row.costUsd()));
            if (groups.contains("dimension")) { // quantities of different dimensions do not add up
                out.put("quantity", Money.plain(row.quantity()));
                out.put("events", row.events());
            }
            rows.add(out);
            total = total.add(row.costUsd());
        }
        List<AdjustmentView> applied = null;
        if (adjustments) {
            applied = new ArrayList<>();
            for (RerateLedger.Applied a : rerates.overlapping(start, end, source, 1000)) {
                BigDecimal delta = a.lines().stream().filter(l -> source == null || l.source().equals(source))
                        .map(RerateLedger.Line::deltaUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
                applied.add(new AdjustmentView(a.id().toString(), a.appliedAt().toString(), a.appliedBy(), a.reason(), a.from().toString(),
                        a.to().toString(), a.targetVersion(), Money.plain(delta)));
            }
        }
        return new SpendResponse(start.toString(), end.toString(), groups, filters, "USD", Money.plain(total), rows, applied);
    }

    /** Pipeline conservation: every record read has exactly one outcome. */
    @GET
    @Path("/pipeline/outcomes")
    public OutcomesResponse outcomes() throws SQLException {
        Map<EventOutcome, Long> totals = query.outcomeTotals();
        long read = totals.values().stream().mapToLong(Long::longValue).sum();
        return new OutcomesResponse(totals.getOrDefault(EventOutcome.PRICED, 0L), totals.getOrDefault(EventOutcome.DUPLICATE, 0L),
                totals.getOrDefault(EventOutcome.INVALID, 0L), totals.getOrDefault(EventOutcome.UNPRICED, 0L),
                totals.getOrDefault(EventOutcome.CONFLICT, 0L), read,
                query.pricedWithoutUsage()); // part of priced: failed calls, agent trace parts
    }

    private static void putIfPresent(Map<String, String> filters, String name, String value) {
        if (value != null && !value.isBlank()) {
            filters.put(name, value);
        }
    }
}
