package dev.costmeter.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.costmeter.budget.Budget;
import dev.costmeter.pricing.Money;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A budget as the API shows it: money as decimal strings, the scope with only the fields set, and
 * (when created or updated) warnings about a scope that matches no spend so far.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BudgetView(String id, String name, Map<String, String> scope, String period, String amountUsd, List<String> thresholds,
                         boolean alertOnForecast, List<String> warnings) {

    static BudgetView of(Budget b) {
        return of(b, null);
    }

    static BudgetView of(Budget b, List<String> warnings) {
        Map<String, String> scope = new LinkedHashMap<>();
        putIfSet(scope, "source", b.scope().source());
        putIfSet(scope, "subject", b.scope().subject());
        putIfSet(scope, "model", b.scope().model());
        putIfSet(scope, "dimension", b.scope().dimension());
        putIfSet(scope, "tier", b.scope().tier());
        return new BudgetView(b.id().toString(), b.name(), scope, b.period().id(), Money.plain(b.amountUsd()),
                b.thresholds().stream().map(Money::plain).toList(), b.alertOnForecast(), warnings);
    }

    private static void putIfSet(Map<String, String> scope, String name, String value) {
        if (value != null) {
            scope.put(name, value);
        }
    }
}
