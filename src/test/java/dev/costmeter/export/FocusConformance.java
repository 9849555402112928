package dev.costmeter.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The MUST statements of FOCUS 1.2 (FOCUS_Spec, tag v1.2, specification/columns/*.md) that a dataset
 * of Bedrock usage charges can be held to, checked row by row. Each problem names the row, the column
 * and the statement.
 */
public final class FocusConformance {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+(\\.\\d+)?");          // NumericFormat: no exponent, no grouping
    private static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"); // Date/Time Format, UTC
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");                  // CurrencyFormat: ISO 4217

    /** Mandatory columns that allow no nulls, and recommended or conditional ones that must not be null. */
    private static final List<String> NEVER_NULL = List.of("BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd",
            "BillingPeriodStart", "ChargeCategory", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost",
            "InvoiceIssuerName", "ListCost", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName", "ChargeFrequency",
            "ServiceSubcategory", "PricingCurrency", "PricingCurrencyEffectiveCost");
    private static final List<String> DECIMALS = List.of("BilledCost", "CommitmentDiscountQuantity", "ConsumedQuantity", "ContractedCost",
            "ContractedUnitPrice", "EffectiveCost", "ListCost", "ListUnitPrice", "PricingCurrencyContractedUnitPrice",
            "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "PricingQuantity");
    private static final List<String> DATE_TIMES = List.of("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart");
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "ChargeCategory", Set.of("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
            "ChargeClass", Set.of("Correction"),
            "ChargeFrequency", Set.of("One-Time", "Recurring", "Usage-Based"),
            "PricingCategory", Set.of("Standard", "Dynamic", "Committed", "Other"),
            "CommitmentDiscountCategory", Set.of("Spend", "Usage"),
            "CommitmentDiscountStatus", Set.of("Used", "Unused"),
            "CapacityReservationStatus", Set.of("Used", "Unused"),
            "ServiceCategory", Set.of("AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases",
                    "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
                    "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other"));
    /** ServiceSubcategory values of the AI and Machine Learning category, each with that one parent. */
    private static final Set<String> AI_SUBCATEGORIES = Set.of("AI Platforms", "Bots", "Generative AI", "Machine Learning",
            "Natural Language Processing", "Other (AI and Machine Learning)");

    private FocusConformance() {
    }

    /** Every problem of the dataset: the header (column presence) and each row. */
    public static List<String> problems(List<String> header, List<List<String>> rows) {
        List<String> problems = new ArrayList<>();
        for (String column : FocusColumns.FOCUS_1_2) {
            if (!header.contains(column)) {
                problems.add("column " + column + " MUST be present");
            }
        }
        for (String column : header) {
            if (!FocusColumns.FOCUS_1_2.contains(column) && !column.startsWith("x_")) {
                problems.add("custom column " + column + " MUST be prefixed with x_");
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < header.size(); c++) {
                String v = c < rows.get(r).size() ? rows.get(r).get(c) : null;
                row.put(header.get(c), v == null || v.isEmpty() ? null : v);
            }
            check(r + 1, row, problems);
        }
        return problems;
    }

    private static void check(int n, Map<String, String> row, List<String> problems) {
        String at = "row " + n + ": ";
        for (String column : NEVER_NULL) {
            if (row.get(column) == null) {
                problems.add(at + column + " MUST NOT be null");
            }
        }
        for (String column : DECIMALS) {
            String v = row.get(column);
            if (v != null && !DECIMAL.matcher(v).matches()) {
                problems.add(at + column + " MUST conform to NumericFormat, was " + v);
            }
        }
        for (String column : DATE_TIMES) {
            String v = row.get(column);
            if (v != null && !DATE_TIME.matcher(v).matches()) {
                problems.add(at + column + " MUST conform to the Date/Time Format (UTC, YYYY-MM-DDTHH:mm:ssZ), was " + v);
            }
        }
        for (String column : List.of("BillingCurrency", "PricingCurrency")) {
            String v = row.get(column);
            if (v != null && !CURRENCY.matcher(v).matches()) {
                problems.add(at + column + " MUST conform to CurrencyFormat, was " + v);
            }
        }
        ALLOWED.forEach((column, values) -> {
            String v = row.get(column);
            if (v != null && !values.contains(v)) {
                problems.add(at + column + " MUST be one of the allowed values, was " + v);
            }
        });
        if ("AI and Machine Learning".equals(row.get("ServiceCategory")) && !AI_SUBCATEGORIES.contains(row.get("ServiceSubcategory"))) {
            problems.add(at + "ServiceSubcategory MUST have ServiceCategory as its one parent, was " + row.get("ServiceSubcategory"));
        }
        nullTogether(at, row, "PricingUnit", "PricingQuantity", problems);
        nullTogether(at, row, "ConsumedUnit", "ConsumedQuantity", problems);
        nullTogether(at, row, "BillingAccountType", "BillingAccountId", problems);
        nullTogether(at, row, "RegionName", "RegionId", problems);
        if (row.get("SkuId") == null && row.get("SkuMeter") != null) {
            problems.add(at + "SkuMeter MUST be null when SkuId is null");
        }
        if (row.get("SkuPriceId") == null && row.get("SkuPriceDetails") != null) {
            problems.add(at + "SkuPriceDetails MUST be null when SkuPriceId is null");
        }
        boolean usageNotCorrection = ("Usage".equals(row.get("ChargeCategory")) || "Purchase".equals(row.get("ChargeCategory")))
                && !"Correction".equals(row.get("ChargeClass"));
        if (usageNotCorrection) {
            for (String column : List.of("ListUnitPrice", "ContractedUnitPrice", "PricingCategory", "PricingQuantity", "SkuId", "SkuPriceId")) {
                if (row.get(column) == null) {
                    problems.add(at + column + " MUST NOT be null when ChargeCategory is Usage or Purchase and ChargeClass is not Correction");
                }
            }
            if ("Usage".equals(row.get("ChargeCategory")) && !"Unused".equals(row.get("CommitmentDiscountStatus"))
                    && row.get("ConsumedQuantity") == null) {
                problems.add(at + "ConsumedQuantity MUST NOT be null for usage that is not an unused commitment");
            }
            productMatches(at, row, "ListUnitPrice", "ListCost", problems);
            productMatches(at, row, "ContractedUnitPrice", "ContractedCost", problems);
        }
        for (String price : List.of("ListUnitPrice", "ContractedUnitPrice")) {
            if (decimal(row.get(price)) != null && decimal(row.get(price)).signum() < 0) {
                problems.add(at + price + " MUST be a non-negative decimal value");
            }
        }
        String start = row.get("ChargePeriodStart");
        String end = row.get("ChargePeriodEnd");
        if (start != null && end != null && start.compareTo(end) >= 0) {
            problems.add(at + "ChargePeriodStart MUST be before ChargePeriodEnd");
        }
        String billingStart = row.get("BillingPeriodStart");
        String billingEnd = row.get("BillingPeriodEnd");
        if (start != null && billingStart != null && billingEnd != null && (start.compareTo(billingStart) < 0 || end.compareTo(billingEnd) > 0)) {
            problems.add(at + "the charge period MUST fall within the billing period");
        }
        keyValues(at, row, "Tags", false, problems);
        keyValues(at, row, "SkuPriceDetails", true, problems);
    }

    private static void nullTogether(String at, Map<String, String> row, String dependent, String on, List<String> problems) {
        if ((row.get(dependent) == null) != (row.get(on) == null)) {
            problems.add(at + dependent + " MUST be null exactly when " + on + " is null");
        }
    }

    private static void productMatches(String at, Map<String, String> row, String price, String cost, List<String> problems) {
        BigDecimal p = decimal(row.get(price));
        BigDecimal q = decimal(row.get("PricingQuantity"));
        BigDecimal c = decimal(row.get(cost));
        if (p != null && q != null && c != null && p.multiply(q).compareTo(c) != 0) {
            problems.add(at + price + " × PricingQuantity MUST match " + cost + ": " + p + " × " + q + " ≠ " + c);
        }
    }

    /** KeyValueFormat: a JSON object; for SkuPriceDetails, keys not defined by FOCUS begin with x_. */
    private static void keyValues(String at, Map<String, String> row, String column, boolean xPrefixed, List<String> problems) {
        String v = row.get(column);
        if (v == null) {
            return;
        }
        try {
            JsonNode node = JSON.readTree(v);
            if (!node.isObject()) {
                problems.add(at + column + " MUST conform to KeyValueFormat (a JSON object), was " + v);
                return;
            }
            for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (xPrefixed && !key.startsWith("x_")) {
                    problems.add(at + column + " property key " + key + " MUST begin with x_ unless FOCUS defines it");
                }
            }
        } catch (Exception e) {
            problems.add(at + column + " MUST conform to KeyValueFormat, was " + v);
        }
    }

    private static BigDecimal decimal(String v) {
        return v == null || !DECIMAL.matcher(v).matches() ? null : new BigDecimal(v);
    }

    /** RFC 4180, as the export writes it: quoted fields may hold commas, quotes (doubled) and line breaks. */
    public static List<List<String>> parseCsv(String text) {
        List<List<String>> lines = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                fields.add(field.toString());
                field.setLength(0);
                lines.add(fields);
                fields = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        if (!field.isEmpty() || !fields.isEmpty()) {
            fields.add(field.toString());
            lines.add(fields);
        }
        return lines;
    }
}
