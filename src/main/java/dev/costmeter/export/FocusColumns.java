package dev.costmeter.export;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.storage.FocusRows;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * costmeter's aggregates as FOCUS 1.2 rows (the FinOps Foundation's FinOps Open Cost and Usage
 * Specification, tag v1.2): every column of the specification, in its order, then costmeter's own
 * columns with the {@code x_} prefix. Pure: a row in, its values out (null for a null value).
 *
 * <p>How costmeter fills them:
 * <ul>
 *   <li>BilledCost and EffectiveCost: the exact cost of the row, as the spend API sums it.</li>
 *   <li>ListUnitPrice and ContractedUnitPrice: the cost per unit (exact: a row holds one rate card
 *       version's price for one model, region, tier and dimension); ListCost and ContractedCost are
 *       that price × PricingQuantity, as the specification requires. Where a rule charges other than
 *       quantity × price (an hourly minimum), the price is rounded to 20 decimals and ListCost may
 *       differ from BilledCost by less than a millionth of a cent.</li>
 *   <li>ChargeCategory "Usage", ChargeFrequency "Usage-Based", PricingCategory "Standard" (provisioned
 *       throughput with a term: "Committed"), ServiceCategory "AI and Machine Learning",
 *       ServiceSubcategory "Generative AI", ServiceName "Amazon Bedrock".</li>
 *   <li>SkuId: model and dimension; SkuPriceId: also the rate card version, region and tier, whose
 *       price it is. Tags: costmeter's source and subject, under the {@code costmeter/} prefix.</li>
 * </ul>
 */
public final class FocusColumns {

    /** The specification's columns, in the order of its column index. */
    public static final List<String> FOCUS_1_2 = List.of(
            "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
            "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory",
            "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
            "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus",
            "CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
            "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
            "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
            "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName",
            "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails",
            "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags");

    /** costmeter's own dimensions. */
    public static final List<String> COSTMETER = List.of("x_Source", "x_Subject", "x_ServiceTier", "x_RateCardVersion", "x_Dimension");

    public static final List<String> ALL;

    static {
        List<String> all = new ArrayList<>(FOCUS_1_2);
        all.addAll(COSTMETER);
        ALL = List.copyOf(all);
    }

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final String AWS = "Amazon Web Services";

    /** Region names as AWS writes them; a region not listed is named by its id. */
    private static final Map<String, String> REGION_NAMES = Map.ofEntries(
            Map.entry("us-east-1", "US East (N. Virginia)"), Map.entry("us-east-2", "US East (Ohio)"),
            Map.entry("us-west-1", "US West (N. California)"), Map.entry("us-west-2", "US West (Oregon)"),
            Map.entry("ca-central-1", "Canada (Central)"), Map.entry("sa-east-1", "South America (Sao Paulo)"),
            Map.entry("eu-west-1", "Europe (Ireland)"), Map.entry("eu-west-2", "Europe (London)"), Map.entry("eu-west-3", "Europe (Paris)"),
            Map.entry("eu-central-1", "Europe (Frankfurt)"), Map.entry("eu-central-2", "Europe (Zurich)"),
            Map.entry("eu-north-1", "Europe (Stockholm)"), Map.entry("eu-south-1", "Europe (Milan)"), Map.entry("eu-south-2", "Europe (Spain)"),
            Map.entry("ap-south-1", "Asia Pacific (Mumbai)"), Map.entry("ap-south-2", "Asia Pacific (Hyderabad)"),
            Map.entry("ap-northeast-1", "Asia Pacific (Tokyo)"), Map.entry("ap-northeast-2", "Asia Pacific (Seoul)"),
            Map.entry("ap-northeast-3", "Asia Pacific (Osaka)"), Map.entry("ap-southeast-1", "Asia Pacific (Singapore)"),
            Map.entry("ap-southeast-2", "Asia Pacific (Sydney)"), Map.entry("ap-southeast-3", "Asia Pacific (Jakarta)"),
            Map.entry("ap-southeast-4", "Asia Pacific (Melbourne)"), Map.entry("us-gov-west-1", "AWS GovCloud (US-West)"),
            Map.entry("us-gov-east-1", "AWS GovCloud (US-East)"));

    /** Provisioned throughput with a term: the charges FOCUS calls "Committed" pricing. */
    private static final java.util.Set<Dimension> COMMITTED = java.util.EnumSet.of(Dimension.PROVISIONED_MU_HOURS_1_MONTH,
            Dimension.PROVISIONED_MU_HOURS_6_MONTH);

    /** Who the export is for: the billing account it reports as. */
    public record Account(String id, String name, String type) {
    }

    private final Account account;

    public FocusColumns(Account account) {
        this.account = account;
    }

    /** The row's values, in the order of {@link #ALL}. */
    public List<String> values(FocusRows.Row row, FocusRows.Granularity granularity) {
        Instant start = row.periodStart();
        Instant end = granularity == FocusRows.Granularity.HOURLY ? start.plusSeconds(3_600) : start.plusSeconds(86_400);
        ZonedDateTime month = start.atZone(ZoneOffset.UTC).withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC);
        Dimension dimension = Dimension.byId(row.dimension());
        String unit = pricingUnit(dimension == null ? "" : dimension.unit());
        BigDecimal quantity = row.quantity();
        BigDecimal unitPrice = unitPrice(row.costUsd(), quantity);
        String listCost = Money.plain(unitPrice.multiply(quantity));
        String cost = Money.plain(row.costUsd());
        String price = Money.plain(unitPrice);
        boolean committed = COMMITTED.contains(dimension);
        String skuId = "bedrock/" + row.modelId() + "/" + row.dimension();
        String tier = row.serviceTier().isEmpty() ? "default" : row.serviceTier();

        List<String> v = new ArrayList<>(ALL.size());
        v.add(null);                                              // AvailabilityZone
        v.add(cost);                                              // BilledCost
        v.add(account.id());                                      // BillingAccountId
        v.add(account.name());                                    // BillingAccountName
        v.add(account.type());                                    // BillingAccountType
        v.add("USD");                                             // BillingCurrency
        v.add(DATE_TIME.format(month.plusMonths(1)));             // BillingPeriodEnd
        v.add(DATE_TIME.format(month));                           // BillingPeriodStart
        v.add(null);                                              // CapacityReservationId
        v.add(null);                                              // CapacityReservationStatus
        v.add("Usage");                                           // ChargeCategory
        v.add(null);                                              // ChargeClass: not a correction
        v.add("Amazon Bedrock " + row.modelId() + " " + row.dimension().replace('_', ' ') + " in " + row.region()
                + " (" + tier + " tier, rate card " + row.rateCardVersion() + ")"); // ChargeDescription
        v.add("Usage-Based");                                     // ChargeFrequency
        v.add(DATE_TIME.format(end));                             // ChargePeriodEnd
        v.add(DATE_TIME.format(start));                           // ChargePeriodStart
        for (int i = 0; i < 7; i++) {
            v.add(null);                                          // CommitmentDiscount*: costmeter knows of none
        }
        v.add(Money.plain(quantity));                             // ConsumedQuantity
        v.add(unit);                                              // ConsumedUnit
        v.add(listCost);                                          // ContractedCost
        v.add(price);                                             // ContractedUnitPrice
        v.add(cost);                                              // EffectiveCost
        v.add(null);                                              // InvoiceId
        v.add(AWS);                                               // InvoiceIssuerName
        v.add(listCost);                                          // ListCost
        v.add(price);                                             // ListUnitPrice
        v.add(committed ? "Committed" : "Standard");              // PricingCategory
        v.add("USD");                                             // PricingCurrency
        v.add(price);                                             // PricingCurrencyContractedUnitPrice
        v.add(cost);                                              // PricingCurrencyEffectiveCost
        v.add(price);                                             // PricingCurrencyListUnitPrice
        v.add(Money.plain(quantity));                             // PricingQuantity
        v.add(unit);                                              // PricingUnit
        v.add(AWS);                                               // ProviderName
        v.add(AWS);                                               // PublisherName
        v.add(row.region());                                      // RegionId
        v.add(REGION_NAMES.getOrDefault(row.region(), row.region())); // RegionName
        v.add(null);                                              // ResourceId
        v.add(null);                                              // ResourceName
        v.add(null);                                              // ResourceType
        v.add("AI and Machine Learning");                         // ServiceCategory
        v.add("Amazon Bedrock");                                  // ServiceName
        v.add("Generative AI");                                   // ServiceSubcategory
        v.add(skuId);                                             // SkuId
        v.add(row.dimension());                                   // SkuMeter
        v.add("{\"x_ServiceTier\":" + json(tier) + "}");          // SkuPriceDetails
        v.add(skuId + "/" + row.region() + "/" + tier + "/" + row.rateCardVersion()); // SkuPriceId
        v.add(null);                                              // SubAccountId
        v.add(null);                                              // SubAccountName
        v.add(null);                                              // SubAccountType
        v.add("{\"costmeter/source\":" + json(row.source()) + ",\"costmeter/subject\":" + json(row.subject()) + "}"); // Tags
        v.add(row.source());                                      // x_Source
        v.add(row.subject());                                     // x_Subject
        v.add(tier);                                              // x_ServiceTier
        v.add(row.rateCardVersion());                             // x_RateCardVersion
        v.add(row.dimension());                                   // x_Dimension
        return v;
    }

    private static final java.util.Set<String> DECIMAL_COLUMNS = java.util.Set.of("BilledCost", "CommitmentDiscountQuantity",
            "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost", "ListUnitPrice",
            "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "PricingQuantity");
    private static final java.util.Set<String> DATE_TIME_COLUMNS = java.util.Set.of("BillingPeriodEnd", "BillingPeriodStart",
            "ChargePeriodEnd", "ChargePeriodStart");

    /** The column's type in a Parquet export (DuckDB's names): FOCUS's Decimal, Date/Time, or String (JSON as text). */
    public static String parquetType(String column) {
        if (DECIMAL_COLUMNS.contains(column)) {
            return "DECIMAL(38, 20)";
        }
        return DATE_TIME_COLUMNS.contains(column) ? "TIMESTAMPTZ" : "VARCHAR";
    }

    /** Cost per unit, exact when it terminates (it does whenever the row's cost is quantity × one price). */
    static BigDecimal unitPrice(BigDecimal cost, BigDecimal quantity) {
        if (quantity.signum() == 0) {
            return BigDecimal.ZERO;
        }
        try {
            return cost.divide(quantity);
        } catch (ArithmeticException nonTerminating) {
            return cost.divide(quantity, 20, java.math.RoundingMode.HALF_EVEN);
        }
    }

    /** FOCUS unit format: words capitalized, the counted noun plural ("token" → "Tokens", "model-unit hour" → "Model-Unit Hours"). */
    static String pricingUnit(String unit) {
        if (unit.isBlank()) {
            return "Units";
        }
        StringBuilder out = new StringBuilder();
        for (String word : unit.split(" ")) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            String[] parts = word.split("-");
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    out.append('-');
                }
                out.append(parts[i].substring(0, 1).toUpperCase(Locale.ROOT)).append(parts[i].substring(1));
            }
        }
        String text = out.toString();
        if (text.endsWith("s")) {
            return text;
        }
        return text.endsWith("y") ? text.substring(0, text.length() - 1) + "ies" : text + "s";
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
