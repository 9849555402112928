package dev.costmeter.api;

import dev.costmeter.budget.Budget;
import dev.costmeter.budget.BudgetEvaluator;
import dev.costmeter.budget.BudgetStore;
import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.math.BigDecimal;
import java.net.URI;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Budgets: create, list, get, update, delete (admin to write, viewer to read), and each one's
 * status computed from PostgreSQL: spent, remaining, burn rate per window, forecast, alerts fired.
 */
@Path("/api/v1/budgets")
@Produces(MediaType.APPLICATION_JSON)
public class BudgetResource {

    static final List<BigDecimal> DEFAULT_THRESHOLDS = List.of(BigDecimal.valueOf(50), BigDecimal.valueOf(80), BigDecimal.valueOf(100));

    @Inject
    BudgetStore store;
    @Inject
    BudgetEvaluator evaluator;
    @Inject
    Validator validator;

    /** A budget's state now, computed from PostgreSQL. Money as decimal strings. */
    public record BudgetStatus(BudgetView budget, String periodStart, String periodEnd, String amountUsd, String spentUsd,
                               String remainingUsd, String percentUsed, Map<String, String> burnRate, String forecastUsd,
                               ForecastView forecast, String daysUntilExhausted, List<AlertView> alerts) {
    }

    /** How the forecast was made, its range, and why forecast alerts are held (null: they are not). */
    public record ForecastView(String method, String lowUsd, String highUsd, String alertsHeld) {
    }

    /** An alert fired this period, and the amount it was computed against (raising the amount re-arms the thresholds). */
    public record AlertView(String threshold, String firedAt, String spentUsd, String amountUsd) {
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    public List<BudgetView> list() {
        return store.list().stream().map(BudgetView::of).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    public BudgetView get(@PathParam("id") String id) {
        return BudgetView.of(find(id));
    }

    @GET
    @Path("/{id}/status")
    @RolesAllowed(Roles.VIEWER)
    public BudgetStatus status(@PathParam("id") String id) throws SQLException {
        BudgetEvaluator.Status s = evaluator.status(find(id), Instant.now());
        Map<String, String> burn = new LinkedHashMap<>();
        s.burnRate().forEach((window, rate) -> burn.put(window, Money.plain(rate)));
        BigDecimal days = s.daysUntilExhausted();
        return new BudgetStatus(BudgetView.of(s.budget()), s.periodStart().toString(), s.periodEnd().toString(),
                Money.plain(s.budget().amountUsd()), Money.plain(s.spentUsd()), Money.plain(s.remainingUsd()), Money.plain(s.percentUsed()),
                burn, Money.plain(s.forecastUsd()),
                new ForecastView(s.forecast().method(), Money.plain(s.forecast().lowUsd()), Money.plain(s.forecast().highUsd()), s.forecastHeld()),
                days == null ? null : Money.plain(days),
                s.alerts().stream().map(a -> new AlertView(a.threshold(), a.firedAt().toString(), Money.plain(a.spentUsd()),
                        Money.plain(a.amountUsd()))).toList());
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(BudgetRequest body) throws SQLException {
        Budget budget = budget(body, UUID.randomUUID());
        try {
            store.create(budget);
        } catch (BudgetStore.NameTaken e) {
            throw new ApiException(409, e.getMessage());
        }
        return Response.created(URI.create("/api/v1/budgets/" + budget.id())).entity(withWarnings(budget)).build();
    }

    @PUT
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    public BudgetView update(@PathParam("id") String id, BudgetRequest body)
            throws SQLException {
        Budget budget = budget(body, find(id).id());
        try {
            if (!store.update(budget)) {
                throw new ApiException(404, "no budget " + id);
            }
        } catch (BudgetStore.NameTaken e) {
            throw new ApiException(409, e.getMessage());
        }
        return withWarnings(budget);
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    public Response delete(@PathParam("id") String id) {
        if (!store.delete(find(id).id())) {
            throw new ApiException(404, "no budget " + id);
        }
        return Response.noContent().build();
    }

    /** The budget as stored, warning when no spend so far matches its scope (a misspelt source stays at $0 for ever). */
    private BudgetView withWarnings(Budget budget) throws SQLException {
        if (!budget.scope().equals(Budget.Scope.EVERYTHING) && !store.anySpend(budget.scope())) {
            return BudgetView.of(budget, List.of("no spend so far matches this scope " + BudgetView.of(budget).scope()
                    + ": check the names (sources, models, dimensions and tiers are matched exactly); the budget stays at $0 until spend matches"));
        }
        return BudgetView.of(budget);
    }

    private Budget find(String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(404, "no budget " + id);
        }
        return store.get(uuid).orElseThrow(() -> new ApiException(404, "no budget " + id));
    }

    /**
     * A valid request as a budget. First what cannot be stored at all (a 400: text PostgreSQL cannot
     * hold, an amount no column holds), then the request's constraints (Bean Validation, on
     * {@link BudgetRequest}): every problem in one 422, each field named once.
     */
    Budget budget(BudgetRequest body, UUID id) {
        if (body == null) {
            throw new ApiException(400, "the request body must be a JSON object");
        }
        if (body.amountUsd() != null) {
            representable("amountUsd", body.amountUsd());
        }
        if (body.thresholds() != null) {
            body.thresholds().stream().filter(java.util.Objects::nonNull).forEach(t -> representable("thresholds", t));
        }
        String name = InputText.require("name", body.name(), 1000);
        BudgetRequest.Scope s = body.scope();
        Budget.Scope scope = s == null ? Budget.Scope.EVERYTHING : new Budget.Scope(InputText.require("source", s.source(), 1000),
                InputText.require("subject", s.subject(), 1000), InputText.require("model", s.model(), 1000),
                InputText.require("dimension", s.dimension(), 1000), InputText.require("tier", s.tier(), 1000));
        List<String> problems = validator.validate(body).stream()
                .map(v -> ApiErrors.fieldPath(v.getPropertyPath().toString()) + ": " + v.getMessage()).sorted().toList();
        if (!problems.isEmpty()) {
            throw new ApiException(422, String.join("; ", problems));
        }
        List<BigDecimal> thresholds = body.thresholds() == null ? DEFAULT_THRESHOLDS
                : body.thresholds().stream().map(t -> representable("thresholds", t).stripTrailingZeros()).toList();
        return new Budget(id, name, scope, Budget.Period.of(body.period() == null ? "month" : body.period()),
                representable("amountUsd", body.amountUsd()), thresholds, body.alertOnForecast() == null || body.alertOnForecast());
    }

    /**
     * A decimal PostgreSQL and a person can work with: at most 15 digits before the point and 12
     * after it (a budget of a trillion dollars, to a millionth of a cent). 1e999999999 is a 400.
     */
    private static BigDecimal representable(String field, BigDecimal d) {
        BigDecimal stripped = d.stripTrailingZeros();
        if (stripped.precision() - stripped.scale() > 15 || stripped.scale() > 12) {
            throw new ApiException(400, field + ": " + (d.toString().length() > 40 ? d.toString().substring(0, 40) + "…" : d)
                    + " is out of range (at most 15 digits before the decimal point and 12 after it)");
        }
        return d;
    }
}
