package dev.costmeter.api;

import dev.costmeter.pricing.Money;
import dev.costmeter.savings.SavingsAdvisor;
import dev.costmeter.savings.SavingsService;
import dev.costmeter.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.sql.SQLException;
import java.util.List;

/**
 * The savings advisor: the guide's optimisation strategies, each priced by re-pricing the measured
 * usage of the range under the alternative with the rate card in effect at its end. Ranked by saving.
 */
@Path("/api/v1/savings")
@Produces(MediaType.APPLICATION_JSON)
public class SavingsResource {

    @Inject
    SavingsService savings;

    /** A recommendation; money as decimal strings, exact except the monthly projection (to the cent). */
    public record Recommendation(String source, String model, String strategy, String costNowUsd, String costAlternativeUsd,
                                 String savingUsd, String costNowPerMonthUsd, String costAlternativePerMonthUsd, String savingPerMonthUsd,
                                 String assumption) {
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
        SavingsService.Result result = savings.advise(range.from(), range.to(), source)
                .orElseThrow(() -> new ApiException(404, "no rate card is in effect at the end of the range, " + range.to()));
        SavingsAdvisor.Advice advice = result.advice();
        List<Recommendation> recommendations = advice.recommendations().stream().map(r -> new Recommendation(r.source(), r.model(),
                r.strategy(), Money.plain(r.costNowUsd()), Money.plain(r.costAlternativeUsd()), Money.plain(r.savingUsd()),
                Money.plain(r.costNowPerMonthUsd()), Money.plain(r.costAlternativePerMonthUsd()), Money.plain(r.savingPerMonthUsd()),
                r.assumption())).toList();
        return new SavingsResponse(range.from().toString(), range.to().toString(), result.card().version(), Money.plain(result.bestTotalUsd()),
                recommendations, advice.skipped().stream().map(s -> new Skipped(s.source(), s.model(), s.strategy(), s.reason())).toList());
    }
}
