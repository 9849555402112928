package dev.costmeter.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.costmeter.pricing.Money;
import dev.costmeter.reconcile.BillReader;
import dev.costmeter.reconcile.ReconciliationService;
import dev.costmeter.reconcile.ReportText;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.ReconciliationRunRow;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
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

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Reconciliation with the AWS bill. {@code POST /api/v1/reconciliations} (admin) takes a CUR 2.0 or
 * FOCUS 1.2 export — uploaded as the request body ({@code ?file=} names it in the report), or as a
 * path the service can read ({@code ?path=}, for bills larger than an upload may be) — and answers
 * every key's comparison; {@code GET} lists the runs, {@code GET /{id}} shows one, and
 * {@code GET /{id}/draft-rate-card} the rate card the bill's prices imply, when they differed.
 */
@Path("/api/v1/reconciliations")
public class ReconciliationResource {

    @Inject
    ReconciliationService service;

    /** A run without its report. */
    public record RunView(long id, String runAt, String runBy, String billFile, String billFormat, String from, String to,
                          String billedCostUsd, String meteredCostUsd, String differenceUsd, boolean draftRateCard) {
        static RunView of(ReconciliationRunRow row) {
            return new RunView(row.id, row.runAt.toString(), row.runBy, row.billFile, row.billFormat, row.fromDay.toString(),
                    row.toDay.toString(), Money.plain(row.billedCostUsd), Money.plain(row.meteredCostUsd),
                    Money.plain(row.billedCostUsd.subtract(row.meteredCostUsd)), row.draftRateCard != null);
        }
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes({MediaType.APPLICATION_OCTET_STREAM, "text/csv", "application/gzip", "application/vnd.apache.parquet", MediaType.WILDCARD})
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    public Response reconcile(@QueryParam("file") String file, @QueryParam("path") String path, @QueryParam("from") String from,
                              @QueryParam("to") String to, InputStream body, @Context SecurityContext security,
                              @HeaderParam("Accept") String accept) throws Exception {
        LocalDate first = day("from", from);
        LocalDate end = day("to", to);
        java.nio.file.Path bill; // a file on this machine (jakarta.ws.rs.Path names the resource)
        String name;
        boolean uploaded = path == null;
        if (uploaded) {
            bill = Files.createTempFile("costmeter-bill-", ".upload");
            long size = Files.copy(body, bill, StandardCopyOption.REPLACE_EXISTING);
            if (size == 0) {
                Files.deleteIfExists(bill);
                throw new ApiException(422, "no bill: send a CUR 2.0 or FOCUS 1.2 export (CSV, gzip CSV or Parquet) as the request body, "
                        + "or name one the service can read with ?path=");
            }
            name = file == null || file.isBlank() ? "the uploaded bill" : InputText.printable(file);
        } else {
            bill = java.nio.file.Path.of(path);
            name = InputText.printable(path);
            if (!Files.isRegularFile(bill) || !Files.isReadable(bill)) {
                throw new ApiException(422, name + ": the service cannot read this file (path=, on the service's machine)");
            }
        }
        try {
            ReconciliationService.Run run = service.reconcile(bill, name, first, end, security.getUserPrincipal().getName());
            if (wantsText(accept)) {
                return Response.status(201).entity(ReportText.render(run)).type(MediaType.TEXT_PLAIN).build();
            }
            ReconciliationRunRow row = service.run(run.id()).orElseThrow();
            return Response.status(201).entity(view(row)).type(MediaType.APPLICATION_JSON).build();
        } catch (BillReader.BadBill | ReconciliationService.BadRange e) {
            throw new ApiException(422, e.getMessage());
        } finally {
            if (uploaded) {
                Files.deleteIfExists(bill);
            }
        }
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Produces(MediaType.APPLICATION_JSON)
    public List<RunView> runs(@QueryParam("limit") @DefaultValue("50") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new ApiException(400, "limit must be 1 to 1000");
        }
        return service.runs(limit).stream().map(RunView::of).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    public Response run(@PathParam("id") long id, @HeaderParam("Accept") String accept) throws Exception {
        if (wantsText(accept)) {
            return Response.ok(ReportText.render(service.readRun(id).orElseThrow(() -> new ApiException(404, "no reconciliation run " + id))),
                    MediaType.TEXT_PLAIN).build();
        }
        ReconciliationRunRow row = service.run(id).orElseThrow(() -> new ApiException(404, "no reconciliation run " + id));
        return Response.ok(view(row), MediaType.APPLICATION_JSON).build();
    }

    /** Text when the client asks for it first (the launcher, a terminal), else JSON. */
    private static boolean wantsText(String accept) {
        return accept != null && accept.strip().startsWith(MediaType.TEXT_PLAIN);
    }

    /** A run as kept: who, when, which file, the summary and every key's comparison (amounts as decimal strings). */
    private static String view(ReconciliationRunRow row) {
        try {
            return "{\"run\":" + ReconciliationService.JSON.writeValueAsString(RunView.of(row)) + ",\"summary\":" + row.summary
                    + ",\"report\":" + row.report + "}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @GET
    @Path("/{id}/draft-rate-card")
    @RolesAllowed(Roles.VIEWER)
    @Produces("application/yaml")
    public Response draft(@PathParam("id") long id) {
        ReconciliationRunRow row = service.run(id).orElseThrow(() -> new ApiException(404, "no reconciliation run " + id));
        if (row.draftRateCard == null) {
            throw new ApiException(404, "run " + id + " found no price differences, so it wrote no draft rate card");
        }
        return Response.ok(row.draftRateCard, "application/yaml").build();
    }

    private static LocalDate day(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new ApiException(400, name + " must be a UTC day, e.g. 2026-11-01; was '" + InputText.printable(value) + "'");
        }
    }
}
