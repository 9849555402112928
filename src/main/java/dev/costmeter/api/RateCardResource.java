package dev.costmeter.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import java.net.URI;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Rate card versions: list, get, see which is active, and publish a new one (YAML, the same format
 * as the bundled cards). Published versions are immutable and take effect at their effectiveFrom
 * on every instance without a restart.
 */
@Path("/api/v1/rate-cards")
@Produces(MediaType.APPLICATION_JSON)
public class RateCardResource {

    @Inject
    RateCardCatalog catalog;

    /** A version: when it takes effect, where it came from, what it covers; {@code definition} (its YAML) when asked for one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionView(String version, String effectiveFrom, boolean active, String origin, String publishedAt, String publishedBy,
                              String corrects, List<String> regions, int modelIds, String definition) {
    }

    public record VersionsResponse(String active, List<VersionView> versions) {
    }

    /** A card refused: the reason, and its first problems (each names the field). */
    public record Refusal(String error, int status, List<String> problems) {
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    public VersionsResponse list() {
        String active = catalog.inEffectAt(Instant.now()).map(v -> v.card().version()).orElse(null);
        return new VersionsResponse(active, catalog.versions().stream().map(v -> view(v, active, false)).toList());
    }

    /** The version in effect now, or at {@code at}. */
    @GET
    @Path("/active")
    @RolesAllowed(Roles.VIEWER)
    public VersionView active(@QueryParam("at") String at) {
        Instant instant = at == null ? Instant.now() : TimeRange.instant("at", at);
        RateCardCatalog.Version version = catalog.inEffectAt(instant)
                .orElseThrow(() -> new ApiException(404, "no rate card is in effect at " + instant));
        return view(version, version.card().version(), true);
    }

    @GET
    @Path("/{version}")
    @RolesAllowed(Roles.VIEWER)
    public VersionView get(@PathParam("version") String version) {
        RateCardCatalog.Version found = catalog.version(version)
                .orElseThrow(() -> new ApiException(404, "no rate card version '" + version + "'"));
        return view(found, catalog.inEffectAt(Instant.now()).map(v -> v.card().version()).orElse(null), true);
    }

    static final int MAX_PROBLEMS_SHOWN = 20;

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public Response publish(String definition, @QueryParam("reason") String reason, @Context SecurityContext security) throws SQLException {
        if (definition == null || definition.isBlank()) {
            throw new ApiException(400, "the request body must be a rate card in YAML");
        }
        try {
            RateCardCatalog.Version published = catalog.publish(definition, security.getUserPrincipal().getName(), reason);
            return Response.created(URI.create("/api/v1/rate-cards/" + published.card().version()))
                    .entity(view(published, null, true)).build();
        } catch (RateCardCatalog.PublishRefused e) {
            // However many problems a card has, the answer stays small: the first ones, and how many more.
            List<String> problems = e.problems();
            List<String> shown = new java.util.ArrayList<>(problems.subList(0, Math.min(MAX_PROBLEMS_SHOWN, problems.size())));
            if (problems.size() > MAX_PROBLEMS_SHOWN) {
                shown.add("… and " + (problems.size() - MAX_PROBLEMS_SHOWN) + " more problems");
            }
            String message = e.getMessage().lines().findFirst().orElse("");
            Refusal body = new Refusal(message.length() <= 1000 ? message : message.substring(0, 1000) + "…", e.status(),
                    shown.stream().map(p -> p.length() <= 500 ? p : p.substring(0, 500) + "…").toList());
            return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(body).build();
        }
    }

    private static VersionView view(RateCardCatalog.Version v, String active, boolean withDefinition) {
        RateCard card = v.card();
        return new VersionView(card.version(), card.effectiveFrom().toString(), card.version().equals(active), v.origin(),
                v.publishedAt() == null ? null : v.publishedAt().toString(), v.publishedBy(), card.corrects(), List.copyOf(card.regions()),
                card.models().size(), withDefinition ? v.definition() : null);
    }
}
