package dev.costmeter.api;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.rerate.Rerating;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.SpendQuery;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-rating history under another rate card: {@code POST /api/v1/rerates} (admin) answers the dry
 * run — what the aggregates of the range would cost under the target card, per source, model and
 * dimension, exactly, as JSON or (Accept: text/csv) CSV for a spreadsheet. Nothing is changed.
 * Applying a re-rate (dryRun false) is refused: this version computes the diff only.
 */
@Path("/api/v1/rerates")
public class RerateResource {

    /** The longest range one re-rate may cover. */
    static final Duration MAX_RANGE = Duration.ofDays(93);

    @Inject
    SpendQuery query;
    @Inject
    RateCardCatalog catalog;
    @Inject
    Validator validator;

    /** A re-rate request: the range (both ends), the target card version, optional filters, why. */
    public record RerateRequest(
            @NotNull(message = "required, e.g. \"2026-02-01T00:00:00Z\"") String from,
            @NotNull(message = "required, e.g. \"2026-03-01T00:00:00Z\"") String to,
            @NotNull(message = "required: the rate card version to re-rate to") String targetVersion,
            String source,
            String model,
            Boolean dryRun,
            @NotNull(message = "required: why the history is re-rated")
            @Pattern(regexp = "(?s).*\\S.*", message = "must say why the history is re-rated")
            @Size(max = 1000, message = "at most 1000 characters") String reason) {
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
    public Response rerate(RerateRequest body, @HeaderParam("Accept") String accept) throws SQLException {
        if (body == null) {
            throw new ApiException(400, "the request body must be a JSON object");
        }
        List<String> problems = validator.validate(body).stream().map(v -> v.getPropertyPath() + ": " + v.getMessage()).sorted().toList();
        if (!problems.isEmpty()) {
            throw new ApiException(422, String.join("; ", problems));
        }
        TimeRange range = TimeRange.of(body.from(), body.to());
        if (Duration.between(range.from(), range.to()).compareTo(MAX_RANGE) > 0) {
            throw new ApiException(422, "the range is longer than " + MAX_RANGE.toDays() + " days: re-rate it in parts");
        }
        if (Boolean.FALSE.equals(body.dryRun())) {
            throw new ApiException(422, "applying a re-rate is not available in this version: send dryRun true (the default) for its diff");
        }
        RateCardCatalog.Version target = catalog.version(InputText.require("targetVersion", body.targetVersion(), 200))
                .orElseThrow(() -> new ApiException(422, "targetVersion: no rate card version '" + InputText.printable(body.targetVersion()) + "'"));
        Map<String, String> filters = new LinkedHashMap<>();
        if (body.source() != null) {
            filters.put("source", InputText.require("source", body.source(), 1000));
        }
        if (body.model() != null) {
            filters.put("model", InputText.require("model", body.model(), 1000));
        }
        List<Rerating.Aggregate> aggregates = new ArrayList<>();
        for (SpendQuery.Row row : query.totals(range.from(), range.to(), List.of("source", "model", "tier", "dimension", "rateCardVersion"),
                filters)) {
            Map<String, String> g = row.group();
            aggregates.add(new Rerating.Aggregate(g.get("source"), g.get("model"), g.get("tier"), Dimension.byId(g.get("dimension")),
                    g.get("rateCardVersion"), row.quantity(), row.costUsd()));
        }
        Rerating.Diff diff = Rerating.diff(aggregates, target.card(), v -> catalog.version(v).map(RateCardCatalog.Version::card).orElse(null));
        if (!diff.problems().isEmpty()) {
            throw new ApiException(422, "the range cannot be re-rated exactly to " + target.card().version() + ": "
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
        return Response.ok(new RerateDiff(range.from().toString(), range.to().toString(), target.card().version(), body.reason(), true,
                Money.plain(diff.oldTotalUsd()), Money.plain(diff.newTotalUsd()), Money.plain(diff.deltaUsd()),
                diff.lines().stream().map(l -> new LineView(l.source(), l.model(), l.dimension(), Money.plain(l.quantity()),
                        Money.plain(l.oldCostUsd()), Money.plain(l.newCostUsd()), Money.plain(l.deltaUsd()))).toList()),
                MediaType.APPLICATION_JSON).build();
    }

    private static String csvField(String v) {
        return v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
