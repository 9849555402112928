package dev.costmeter.api;

import dev.costmeter.export.FocusExport;
import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.FocusRows;
import dev.costmeter.storage.SpendQuery;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * costmeter's costs in the FinOps Foundation's FOCUS 1.2 format, for the FinOps tools people already
 * use: {@code GET /api/v1/export/focus?from&to&granularity=hourly|daily&format=csv|parquet}. CSV is
 * streamed, gzip when the request accepts it; Parquet (zstd inside) is built in a temporary file first. The header {@code X-Costmeter-Billed-Cost} carries the spend API's
 * total for the range, which BilledCost over the rows adds up to exactly.
 */
@Path("/api/v1/export")
public class ExportResource {

    private static final Logger LOG = Logger.getLogger(ExportResource.class);
    private static final Map<String, FocusRows.Granularity> GRANULARITIES = Map.of("hourly", FocusRows.Granularity.HOURLY,
            "daily", FocusRows.Granularity.DAILY);

    @Inject
    FocusExport export;
    @Inject
    SpendQuery query;

    @GET
    @Path("/focus")
    @RolesAllowed(Roles.VIEWER)
    @Produces({"text/csv", "application/vnd.apache.parquet"})
    public Response focus(@QueryParam("from") String from, @QueryParam("to") String to,
                          @QueryParam("granularity") @DefaultValue("daily") String granularity,
                          @QueryParam("format") @DefaultValue("csv") String format,
                          @HeaderParam("Accept-Encoding") String acceptEncoding) throws SQLException {
        TimeRange range = TimeRange.of(from, to);
        FocusRows.Granularity periods = GRANULARITIES.get(granularity);
        if (periods == null) {
            throw new ApiException(400, "granularity: must be hourly or daily, was '" + InputText.printable(granularity) + "'");
        }
        if (!"csv".equals(format) && !"parquet".equals(format)) {
            throw new ApiException(400, "format: must be csv or parquet, was '" + InputText.printable(format) + "'");
        }
        String total = Money.plain(query.total(range.from(), range.to(), Map.of())); // also: PostgreSQL answers, before streaming starts
        String filename = "costmeter-focus-1.2-" + granularity + "-" + range.from().toString().replace(':', '-');
        if ("parquet".equals(format)) {
            java.nio.file.Path parquet;
            try {
                parquet = export.writeParquet(range.from(), range.to(), periods);
            } catch (SQLException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("the Parquet export failed: " + e.getMessage(), e);
            }
            StreamingOutput file = out -> {
                try {
                    java.nio.file.Files.copy(parquet, out);
                } finally {
                    java.nio.file.Files.deleteIfExists(parquet);
                }
            };
            return Response.ok(file, "application/vnd.apache.parquet")
                    .header("Content-Disposition", "attachment; filename=\"" + filename + ".parquet\"")
                    .header("X-Costmeter-Billed-Cost", total).build();
        }
        boolean gzip = acceptEncoding != null && acceptEncoding.toLowerCase(Locale.ROOT).contains("gzip");
        StreamingOutput body = out -> {
            OutputStream target = gzip ? new GZIPOutputStream(out, 1 << 16) : out;
            try {
                long rows = export.writeCsv(target, range.from(), range.to(), periods);
                target.flush();
                if (gzip) {
                    ((GZIPOutputStream) target).finish();
                }
                LOG.debugf("FOCUS export %s – %s: %d rows", range.from(), range.to(), rows);
            } catch (java.io.IOException e) {
                throw e;
            } catch (Exception e) {
                LOG.errorf(e, "FOCUS export %s – %s failed part-way; the client has an incomplete file", range.from(), range.to());
                throw new java.io.IOException("the export failed part-way: " + e.getMessage(), e);
            }
        };
        Response.ResponseBuilder response = Response.ok(body, "text/csv; charset=UTF-8")
                .header("Content-Disposition", "attachment; filename=\"" + filename + ".csv\"")
                .header("X-Costmeter-Billed-Cost", total);
        if (gzip) {
            response.header("Content-Encoding", "gzip");
        }
        return response.build();
    }
}
