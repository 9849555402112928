package dev.costmeter.api;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.savings.SavingsAdvisor;
import dev.costmeter.security.Roles;
import dev.costmeter.storage.SpendQuery;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The savings advisor: the guide's optimisation strategies, each priced by re-pricing the measured
 * usage of the range under the alternative with the rate card in effect at its end. Ranked by saving.
 */
@Path("/api/v1/savings")
@Produces(MediaType.APPLICATION_JSON)
public class SavingsResource {

    @Inject
    SpendQuery query;
    @Inject
    RateCardCatalog catalog;
    @Inject
    CostmeterConfig config;

    /** A recommendation; money as decimal strings, exact except the monthly projection (to the cent). */
    public record Recommendation(String source, String model, String strategy, String costNowUsd, String costAlternativeUsd,
                                 String savingUsd, String savingPerMonthUsd, String assumption) {
    }

    public record Skipped(String source, String model, String strategy, String reason) {
    }

    public record SavingsResponse(String from, String to, String rateCardVersion, String totalSavingUsd,
                                  List<Recommendation> recommendations, List<Skipped> skipped) {
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    public SavingsResponse savings(@QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("source") String source)
            throws SQLException {
        TimeRange range = TimeRange.of(from, to);
        Instant cardAt = range.to().isAfter(Instant.now()) ? Instant.now() : range.to().minusNanos(1);
        RateCardCatalog.Version version = catalog.inEffectAt(cardAt)
                .orElseThrow(() -> new ApiException(404, "no rate card is in effect at " + cardAt));
        Map<String, String> filters = new LinkedHashMap<>();
        if (source != null && !source.isBlank()) {
            filters.put("source", source);
        }
        List<SavingsAdvisor.Usage> usage = new ArrayList<>();
        for (SpendQuery.Row row : query.totals(range.from(), range.to(), List.of("source", "model", "tier", "dimension"), filters)) {
            Map<String, String> g = row.group();
            usage.add(new SavingsAdvisor.Usage(g.get("source"), g.get("model"), g.get("tier"), Dimension.byId(g.get("dimension")),
                    row.quantity(), row.costUsd()));
        }
        SavingsAdvisor.Advice advice = SavingsAdvisor.advise(usage, version.card(), Duration.between(range.from(), range.to()),
                config.savings().nonInteractiveSources().orElse(Set.of()));
        List<Recommendation> recommendations = advice.recommendations().stream().map(r -> new Recommendation(r.source(), r.model(),
                r.strategy(), Money.plain(r.costNowUsd()), Money.plain(r.costAlternativeUsd()), Money.plain(r.savingUsd()),
                Money.plain(r.savingPerMonthUsd()), r.assumption())).toList();
        // the best strategy per source and model: alternatives are not additive (batch and flex are the same tokens)
        Map<List<String>, java.math.BigDecimal> best = new LinkedHashMap<>();
        advice.recommendations().forEach(r -> best.merge(List.of(r.source(), r.model()), r.savingUsd(), java.math.BigDecimal::max));
        java.math.BigDecimal total = best.values().stream().reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add);
        return new SavingsResponse(range.from().toString(), range.to().toString(), version.card().version(), Money.plain(total),
                recommendations, advice.skipped().stream().map(s -> new Skipped(s.source(), s.model(), s.strategy(), s.reason())).toList());
    }
}
