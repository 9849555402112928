package dev.costmeter.api;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.rerate.RerateService;
import dev.costmeter.rerate.Rerating;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.RerateLedger;
import dev.costmeter.storage.SpendQuery;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Re-rating history under another rate card. {@code POST /api/v1/rerates} (admin) answers the dry
 * run by default — what the aggregates of the range would cost under the target card, per source,
 * model and dimension, exactly, as JSON or (Accept: text/csv) CSV for a spreadsheet, changing
 * nothing — and with {@code dryRun: false} and an {@code id} applies it (see {@link RerateService}).
 * {@code GET /api/v1/rerates} lists the applied re-rates that overlap a range, {@code GET /{id}} shows one.
 */
@Path("/api/v1/rerates")
public class RerateResource {

    @Inject
    SpendQuery query;
    @Inject
    RateCardCatalog catalog;
    @Inject
    Validator validator;
    @Inject
    RerateService rerates;
    @Inject
    RerateLedger ledger;
    @Inject
    CostmeterConfig config;

    /** A re-rate request: the range (both ends), the target card version, optional filters, why. */
    public record RerateRequest(
            @NotNull(message = "required, e.g. \"2026-02-01T00:00:00Z\"") String from,
            @NotNull(message = "required, e.g. \"2026-03-01T00:00:00Z\"") String to,
            @NotNull(message = "required: the rate card version to re-rate to, or \"inEffect\"") String targetVersion,
            String source,
            String model,
            Boolean dryRun,
            @NotNull(message = "required: why the history is re-rated")
            @Pattern(regexp = "(?s).*\\S.*", message = "must say why the history is re-rated")
            @Size(max = 1000, message = "at most 1000 characters") String reason,
            @Pattern(regexp = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", message = "must be a UUID")
            String id) {
    }

    /** An applied re-rate: the adjustment record, and whether this request applied it or found it applied before. */
    public record AppliedView(String id, boolean alreadyApplied, String appliedAt, String appliedBy, String reason, String from, String to,
                              String targetVersion, String source, String model, long aggregates, String oldTotalUsd, String newTotalUsd,
                              String deltaUsd, List<AppliedLineView> lines) {
        static AppliedView of(RerateLedger.Applied a, boolean already) {
            return new AppliedView(a.id().toString(), already, a.appliedAt().toString(), a.appliedBy(), a.reason(), a.from().toString(),
                    a.to().toString(), a.targetVersion(), a.source(), a.model(), a.aggregates(), Money.plain(a.oldTotalUsd()),
                    Money.plain(a.newTotalUsd()), Money.plain(a.deltaUsd()), a.lines().stream().map(l -> new AppliedLineView(l.source(),
                            l.modelId(), l.dimension(), l.fromVersion(), l.toVersion(), Money.plain(l.quantity()), Money.plain(l.oldCostUsd()),
                            Money.plain(l.newCostUsd()), Money.plain(l.deltaUsd()))).toList());
        }
    }

    public record AppliedLineView(String source, String model, String dimension, String fromVersion, String toVersion, String quantity,
                                  String oldCostUsd, String newCostUsd, String deltaUsd) {
    }

    public record LineView(String source, String model, String dimension, String quantity, String oldCostUsd, String newCostUsd,
                           String deltaUsd) {
    }

    public record RerateDiff(String from, String to, String targetVersion, String reason, boolean dryRun, String oldTotalUsd,
                             String newTotalUsd, String deltaUsd, List<LineView> lines) {
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Response rerate(RerateRequest body, @HeaderParam("Accept") String accept, @Context SecurityContext security) throws Exception {
        if (body == null) {
            throw new ApiException(400, "the request body must be a JSON object");
        }
        List<String> problems = validator.validate(body).stream().map(v -> v.getPropertyPath() + ": " + v.getMessage()).sorted().toList();
        if (!problems.isEmpty()) {
            throw new ApiException(422, String.join("; ", problems));
        }
        TimeRange range = TimeRange.of(body.from(), body.to());
        Duration maxRange = config.rerate().maxRange();
        if (Duration.between(range.from(), range.to()).compareTo(maxRange) > 0) {
            throw new ApiException(422, "the range is longer than " + maxRange.toDays() + " days (costmeter.rerate.max-range): re-rate it in parts");
        }
        String target = InputText.require("targetVersion", body.targetVersion(), 200);
        List<RerateLedger.Segment> segments;
        try {
            segments = rerates.segments(range.from(), range.to(), target);
        } catch (RerateService.Refused e) {
            throw new ApiException(e.status(), e.getMessage());
        }
        if (Boolean.FALSE.equals(body.dryRun())) {
            if (body.id() == null) {
                throw new ApiException(422, "id: required to apply a re-rate: a UUID you choose, so that a retry applies it once");
            }
            try {
                RerateLedger.Outcome outcome = rerates.apply(new RerateService.Request(UUID.fromString(body.id()), range.from(), range.to(),
                        target, body.source(), body.model(), body.reason().strip()), security.getUserPrincipal().getName());
                return Response.status(outcome.alreadyApplied() ? 200 : 201).entity(AppliedView.of(outcome.applied(), outcome.alreadyApplied()))
                        .type(MediaType.APPLICATION_JSON).build();
            } catch (RerateService.Refused e) {
                throw new ApiException(e.status(), e.getMessage());
            }
        }
        Map<String, String> filters = new LinkedHashMap<>();
        if (body.source() != null) {
            filters.put("source", InputText.require("source", body.source(), 1000));
        }
        if (body.model() != null) {
            filters.put("model", InputText.require("model", body.model(), 1000));
        }
        List<Rerating.Diff> parts = new ArrayList<>();
        for (RerateLedger.Segment segment : segments) {
            List<Rerating.Aggregate> aggregates = new ArrayList<>();
            for (SpendQuery.Row row : query.totals(segment.from(), segment.to(), List.of("source", "model", "tier", "dimension", "rateCardVersion"),
                    filters)) {
                Map<String, String> g = row.group();
                aggregates.add(new Rerating.Aggregate(g.get("source"), g.get("model"), g.get("tier"), Dimension.byId(g.get("dimension")),
                        g.get("rateCardVersion"), row.quantity(), row.costUsd()));
            }
            RateCard card = catalog.version(segment.targetVersion()).orElseThrow().card();
            parts.add(Rerating.diff(aggregates, card, v -> catalog.version(v).map(RateCardCatalog.Version::card).orElse(null)));
        }
        Rerating.Diff diff = Rerating.merge(target, parts);
        if (!diff.problems().isEmpty()) {
            throw new ApiException(422, "the range cannot be re-rated exactly to " + target + ": "
                    + String.join("; ", diff.problems().subList(0, Math.min(20, diff.problems().size()))));
        }
        if (accept != null && accept.contains("text/csv")) {
            StringBuilder csv = new StringBuilder("source,model,dimension,quantity,old_cost_usd,new_cost_usd,delta_usd\r\n");
            for (Rerating.Line l : diff.lines()) {
                csv.append(csvField(l.source())).append(',').append(csvField(l.model())).append(',').append(l.dimension()).append(',')
                        .append(Money.plain(l.quantity())).append(',').append(Money.plain(l.oldCostUsd())).append(',')
                        .append(Money.plain(l.newCostUsd())).append(',').append(Money.plain(l.deltaUsd())).append("\r\n");
            }
            csv.append("total,,,,").append(Money.plain(diff.oldTotalUsd())).append(',').append(Money.plain(diff.newTotalUsd())).append(',')
                    .append(Money.plain(diff.deltaUsd())).append("\r\n");
            return Response.ok(csv.toString(), "text/csv; charset=UTF-8").build();
        }
        return Response.ok(new RerateDiff(range.from().toString(), range.to().toString(), target, body.reason(), true,
                Money.plain(diff.oldTotalUsd()), Money.plain(diff.newTotalUsd()), Money.plain(diff.deltaUsd()),
                diff.lines().stream().map(l -> new LineView(l.source(), l.model(), l.dimension(), Money.plain(l.quantity()),
                        Money.plain(l.oldCostUsd()), Money.plain(l.newCostUsd()), Money.plain(l.deltaUsd()))).toList()),
                MediaType.APPLICATION_JSON).build();
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Produces(MediaType.APPLICATION_JSON)
    public List<AppliedView> applied(@QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("source") String source)
            throws SQLException {
        TimeRange range = TimeRange.of(from, to);
        return ledger.overlapping(range.from(), range.to(), source, 1000).stream().map(a -> AppliedView.of(a, true)).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Produces(MediaType.APPLICATION_JSON)
    public AppliedView one(@PathParam("id") String id) throws SQLException {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "id must be a UUID");
        }
        return ledger.find(uuid).map(a -> AppliedView.of(a, true)).orElseThrow(() -> new ApiException(404, "no applied re-rate " + id));
    }

    private static String csvField(String v) {
        return v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
