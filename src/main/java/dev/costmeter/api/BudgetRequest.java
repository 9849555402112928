package dev.costmeter.api;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;

/**
 * A budget as sent to {@code POST /api/v1/budgets} and {@code PUT /api/v1/budgets/{id}}. Amounts
 * are decimals; a string such as {@code "5000"} keeps them exact. Every problem is listed in one 422;
 * a field of the wrong type, or one this body does not have, is a 422 that names it.
 *
 * @param scope           which spend counts; absent: the whole bill
 * @param period          day, week or month (UTC); default month
 * @param thresholds      percent of the amount at which to alert; default 50, 80, 100
 * @param alertOnForecast also alert when the forecast for the period exceeds the amount; default true
 */
public record BudgetRequest(
        @NotNull(message = "required, e.g. \"support-bot monthly\"")
        @Pattern(regexp = "(?s).*\\S.*", message = "must be a non-empty string")
        @Size(max = 100, message = "at most 100 characters")
        String name,
        @Valid
        Scope scope,
        @Pattern(regexp = "day|week|month", message = "must be day, week or month (UTC), was '${validatedValue}'")
        String period,
        @NotNull(message = "required, e.g. \"5000\"")
        @DecimalMin(value = "0", inclusive = false, message = "must be more than 0")
        BigDecimal amountUsd,
        @Size(min = 1, message = "must be a non-empty array of percentages, e.g. [50, 80, 100]")
        @ListedOnce
        List<@NotNull(message = "must be a percentage, not null")
        @DecimalMin(value = "0", inclusive = false, message = "${validatedValue} is not a percentage from 0 (exclusive) to 1000")
        @DecimalMax(value = "1000", message = "${validatedValue} is not a percentage from 0 (exclusive) to 1000") BigDecimal> thresholds,
        Boolean alertOnForecast) {

    /** Each field set is matched exactly; absent matches everything. */
    public record Scope(
            @Pattern(regexp = "(?s).*\\S.*", message = "must be a non-empty string") String source,
            @Pattern(regexp = "(?s).*\\S.*", message = "must be a non-empty string") String subject,
            @Pattern(regexp = "(?s).*\\S.*", message = "must be a non-empty string") String model,
            @Pattern(regexp = "(?s).*\\S.*", message = "must be a non-empty string") String dimension,
            @Pattern(regexp = "(?s).*\\S.*", message = "must be a non-empty string") String tier) {
    }

    /** No element twice (compared as numbers: 50 and 50.0 are the same threshold). */
    @Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD, ElementType.TYPE_USE})
    @Retention(RetentionPolicy.RUNTIME)
    @Constraint(validatedBy = ListedOnce.Check.class)
    public @interface ListedOnce {
        String message() default "listed twice";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        final class Check implements ConstraintValidator<ListedOnce, List<BigDecimal>> {
            @Override
            public boolean isValid(List<BigDecimal> values, ConstraintValidatorContext context) {
                if (values == null) {
                    return true;
                }
                HashSet<BigDecimal> seen = new HashSet<>();
                return values.stream().allMatch(v -> v == null || seen.add(v.stripTrailingZeros()));
            }
        }
    }
}
