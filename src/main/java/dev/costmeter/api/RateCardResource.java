package dev.costmeter.api;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    @GET
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Object> list() {
        String active = catalog.inEffectAt(Instant.now()).map(v -> v.card().version()).orElse(null);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("active", active);
        response.put("versions", catalog.versions().stream().map(v -> summary(v, active)).toList());
        return response;
    }

    /** The version in effect now, or at {@code at}. */
    @GET
    @Path("/active")
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Object> active(@QueryParam("at") String at) {
        Instant instant = at == null ? Instant.now() : TimeRange.instant("at", at);
        RateCardCatalog.Version version = catalog.inEffectAt(instant)
                .orElseThrow(() -> new ApiException(404, "no rate card is in effect at " + instant));
        return detail(version, version.card().version());
    }

    @GET
    @Path("/{version}")
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Object> get(@PathParam("version") String version) {
        RateCardCatalog.Version found = catalog.version(version)
                .orElseThrow(() -> new ApiException(404, "no rate card version '" + version + "'"));
        return detail(found, catalog.inEffectAt(Instant.now()).map(v -> v.card().version()).orElse(null));
    }

    static final int MAX_PROBLEMS_SHOWN = 20;

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public Response publish(String definition, @Context SecurityContext security) throws SQLException {
        if (definition == null || definition.isBlank()) {
            throw new ApiException(400, "the request body must be a rate card in YAML");
        }
        try {
            RateCardCatalog.Version published = catalog.publish(definition, security.getUserPrincipal().getName());
            return Response.created(URI.create("/api/v1/rate-cards/" + published.card().version()))
                    .entity(detail(published, null)).build();
        } catch (RateCardCatalog.PublishRefused e) {
            // However many problems a card has, the answer stays small: the first ones, and how many more.
            List<String> problems = e.problems();
            List<String> shown = new java.util.ArrayList<>(problems.subList(0, Math.min(MAX_PROBLEMS_SHOWN, problems.size())));
            if (problems.size() > MAX_PROBLEMS_SHOWN) {
                shown.add("… and " + (problems.size() - MAX_PROBLEMS_SHOWN) + " more problems");
            }
            String message = e.getMessage().lines().findFirst().orElse("");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", message.length() <= 1000 ? message : message.substring(0, 1000) + "…");
            body.put("status", e.status());
            body.put("problems", shown.stream().map(p -> p.length() <= 500 ? p : p.substring(0, 500) + "…").toList());
            return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(body).build();
        }
    }

    private static Map<String, Object> summary(RateCardCatalog.Version v, String active) {
        RateCard card = v.card();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", card.version());
        out.put("effectiveFrom", card.effectiveFrom().toString());
        out.put("active", card.version().equals(active));
        out.put("origin", v.origin());
        out.put("publishedAt", v.publishedAt() == null ? null : v.publishedAt().toString());
        out.put("publishedBy", v.publishedBy());
        out.put("regions", List.copyOf(card.regions()));
        out.put("modelIds", card.models().size());
        return out;
    }

    private static Map<String, Object> detail(RateCardCatalog.Version v, String active) {
        Map<String, Object> out = summary(v, active);
        out.put("definition", v.definition());
        return out;
    }
}
