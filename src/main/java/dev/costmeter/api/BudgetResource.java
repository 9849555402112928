package dev.costmeter.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.budget.Budget;
import dev.costmeter.budget.BudgetEvaluator;
import dev.costmeter.budget.BudgetStore;
import dev.costmeter.pricing.Money;
import dev.costmeter.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
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
import java.util.ArrayList;
import java.util.HashSet;
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

    @GET
    @RolesAllowed(Roles.VIEWER)
    public List<Map<String, Object>> list() throws SQLException {
        return store.list().stream().map(BudgetResource::json).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Object> get(@PathParam("id") String id) throws SQLException {
        return json(find(id));
    }

    @GET
    @Path("/{id}/status")
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Object> status(@PathParam("id") String id) throws SQLException {
        BudgetEvaluator.Status s = evaluator.status(find(id), Instant.now());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("budget", json(s.budget()));
        out.putAll(s.figures());
        // each alert says the amount it was computed against: raising the amount re-arms the thresholds
        out.put("alerts", s.alerts().stream().map(a -> Map.of("threshold", a.threshold(), "firedAt", a.firedAt().toString(),
                "spentUsd", Money.plain(a.spentUsd()), "amountUsd", Money.plain(a.amountUsd()))).toList());
        return out;
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(JsonNode body) throws SQLException {
        Budget budget = parse(body, UUID.randomUUID());
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
    public Map<String, Object> update(@PathParam("id") String id, JsonNode body) throws SQLException {
        Budget budget = parse(body, find(id).id());
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
    public Response delete(@PathParam("id") String id) throws SQLException {
        if (!store.delete(find(id).id())) {
            throw new ApiException(404, "no budget " + id);
        }
        return Response.noContent().build();
    }

    /** The budget as stored, warning when no spend so far matches its scope (a misspelt source stays at $0 for ever). */
    private Map<String, Object> withWarnings(Budget budget) throws SQLException {
        Map<String, Object> out = json(budget);
        if (!budget.scope().equals(Budget.Scope.EVERYTHING) && !store.anySpend(budget.scope())) {
            out.put("warnings", List.of("no spend so far matches this scope " + json(budget).get("scope")
                    + ": check the names (sources, models, dimensions and tiers are matched exactly); the budget stays at $0 until spend matches"));
        }
        return out;
    }

    private Budget find(String id) throws SQLException {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(404, "no budget " + id);
        }
        return store.get(uuid).orElseThrow(() -> new ApiException(404, "no budget " + id));
    }

    /** Validates a budget as sent; every problem is listed in one 422. */
    static Budget parse(JsonNode body, UUID id) {
        List<String> problems = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new ApiException(400, "the request body must be a JSON object");
        }
        String name = text(body, "name", problems);
        if (name == null) {
            if (!body.hasNonNull("name")) { // present but wrong is reported once, by text()
                problems.add("name: required, e.g. \"support-bot monthly\"");
            }
        } else if (name.length() > 100) {
            problems.add("name: at most 100 characters");
        }
        JsonNode scopeNode = body.path("scope");
        Budget.Scope scope = Budget.Scope.EVERYTHING;
        if (!scopeNode.isMissingNode() && !scopeNode.isNull()) {
            if (!scopeNode.isObject()) {
                problems.add("scope: must be an object with any of source, subject, model, dimension, tier");
            } else {
                scopeNode.fieldNames().forEachRemaining(f -> {
                    if (!List.of("source", "subject", "model", "dimension", "tier").contains(f)) {
                        problems.add("scope." + f + ": unknown; use source, subject, model, dimension or tier");
                    }
                });
                scope = new Budget.Scope(text(scopeNode, "source", problems), text(scopeNode, "subject", problems),
                        text(scopeNode, "model", problems), text(scopeNode, "dimension", problems), text(scopeNode, "tier", problems));
            }
        }
        String periodText = body.hasNonNull("period") ? body.get("period").asText() : "month";
        Budget.Period period = Budget.Period.of(periodText);
        if (period == null) {
            problems.add("period: must be day, week or month (UTC), was '" + periodText + "'");
        }
        BigDecimal amount = decimal(body.get("amountUsd"), "amountUsd", problems);
        if (amount == null && !body.hasNonNull("amountUsd")) {
            problems.add("amountUsd: required, e.g. \"5000\"");
        } else if (amount != null && amount.signum() <= 0) {
            problems.add("amountUsd: must be more than 0");
        }
        List<BigDecimal> thresholds = DEFAULT_THRESHOLDS;
        if (body.hasNonNull("thresholds")) {
            thresholds = new ArrayList<>();
            if (!body.get("thresholds").isArray() || body.get("thresholds").isEmpty()) {
                problems.add("thresholds: must be a non-empty array of percentages, e.g. [50, 80, 100]");
            } else {
                for (JsonNode t : body.get("thresholds")) {
                    BigDecimal percent = decimal(t, "thresholds", problems);
                    if (percent != null && (percent.signum() <= 0 || percent.compareTo(BigDecimal.valueOf(1000)) > 0)) {
                        problems.add("thresholds: " + percent.toPlainString() + " is not a percentage from 0 (exclusive) to 1000");
                    } else if (percent != null) {
                        thresholds.add(percent.stripTrailingZeros());
                    }
                }
                if (new HashSet<>(thresholds).size() != thresholds.size()) {
                    problems.add("thresholds: listed twice");
                }
            }
        }
        JsonNode onForecast = body.get("alertOnForecast");
        boolean alertOnForecast = onForecast == null || onForecast.isNull() || onForecast.asBoolean();
        if (onForecast != null && !onForecast.isNull() && !onForecast.isBoolean()) {
            problems.add("alertOnForecast: must be true or false, got " + onForecast); // "no" is not false
        }
        if (!problems.isEmpty()) {
            throw new ApiException(422, String.join("; ", problems));
        }
        return new Budget(id, name, scope, period, amount, List.copyOf(thresholds), alertOnForecast);
    }

    private static String text(JsonNode node, String field, List<String> problems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            problems.add(field + ": must be a non-empty string");
            return null;
        }
        return InputText.require(field, v.asText(), 1000);
    }

    private static BigDecimal decimal(JsonNode v, String field, List<String> problems) {
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            BigDecimal d = v.isNumber() ? v.decimalValue() : v.isTextual() ? new BigDecimal(v.asText().strip()) : null;
            if (d != null) {
                return representable(field, d);
            }
        } catch (NumberFormatException e) {
            if (v.isNumber()) { // a JSON number no decimal can hold, e.g. 1e999999999 read as infinity
                throw new ApiException(400, field + ": " + v + " is out of range (at most 15 digits before the decimal point and 12 after it)");
            }
        }
        problems.add(field + ": must be a decimal number (a string such as \"5000\" keeps it exact), got " + v);
        return null;
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

    static Map<String, Object> json(Budget b) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", b.id().toString());
        out.put("name", b.name());
        Map<String, String> scope = new LinkedHashMap<>();
        if (b.scope().source() != null) {
            scope.put("source", b.scope().source());
        }
        if (b.scope().subject() != null) {
            scope.put("subject", b.scope().subject());
        }
        if (b.scope().model() != null) {
            scope.put("model", b.scope().model());
        }
        if (b.scope().dimension() != null) {
            scope.put("dimension", b.scope().dimension());
        }
        if (b.scope().tier() != null) {
            scope.put("tier", b.scope().tier());
        }
        out.put("scope", scope);
        out.put("period", b.period().id());
        out.put("amountUsd", Money.plain(b.amountUsd()));
        out.put("thresholds", b.thresholds().stream().map(Money::plain).toList());
        out.put("alertOnForecast", b.alertOnForecast());
        return out;
    }
}
