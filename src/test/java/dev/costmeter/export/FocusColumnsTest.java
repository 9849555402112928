package dev.costmeter.export;

import dev.costmeter.storage.FocusRows;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** costmeter's rows as FOCUS 1.2: conformant, exact, and the conformance check catches what it should. */
class FocusColumnsTest {

    private final FocusColumns columns = new FocusColumns(new FocusColumns.Account("123456789012", null, "Account"));

    private static FocusRows.Row row(String dimension, String quantity, String cost) {
        return new FocusRows.Row(Instant.parse("2026-02-10T13:00:00Z"), "support-bot", "tenant-1", "anthropic.claude-sonnet-4-5",
                "us-east-1", "default", dimension, "2026-02", new BigDecimal(quantity), new BigDecimal(cost));
    }

    private List<List<String>> exported(List<FocusRows.Row> rows) throws Exception {
        StringWriter csv = new StringWriter();
        FocusExport.line(csv, FocusColumns.ALL);
        for (FocusRows.Row r : rows) {
            FocusExport.line(csv, columns.values(r, FocusRows.Granularity.HOURLY));
        }
        return FocusConformance.parseCsv(csv.toString());
    }

    private final List<FocusRows.Row> sample = List.of(
            // 150,000 input tokens at $3 per 1M: $0.45
            row("input_tokens", "150000", "0.45"),
            // a Claude 3 Haiku batch cache read: $0.0000000125 a token
            row("cache_read_input_tokens", "1000", "0.0000125"),
            // a one-month provisioned throughput commitment: Committed pricing
            row("provisioned_mu_hours_1_month", "1", "49.86"),
            // a charge that is not quantity × one price (an hourly minimum): the unit price does not terminate
            row("agent_hours", "3", "1"),
            // the OpenSearch floor at 0 OCUs: a cost without a quantity
            row("kb_generate_query_calls", "0", "0"));

    @Test
    void everyRowConformsToFocus12() throws Exception {
        List<List<String>> csv = exported(sample);
        assertThat(csv.get(0)).isEqualTo(FocusColumns.ALL);
        assertThat(FocusColumns.FOCUS_1_2).hasSize(57).doesNotHaveDuplicates();
        assertThat(FocusConformance.problems(csv.get(0), csv.subList(1, csv.size()))).isEmpty();
    }

    @Test
    void billedCostIsTheLedgersCostExactly() throws Exception {
        List<List<String>> csv = exported(sample);
        int billed = csv.get(0).indexOf("BilledCost");
        BigDecimal total = csv.subList(1, csv.size()).stream().map(r -> new BigDecimal(r.get(billed))).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(total).isEqualByComparingTo(new BigDecimal("51.3100125"));
        assertThat(csv.get(1).get(billed)).isEqualTo("0.45");
        assertThat(csv.get(2).get(csv.get(0).indexOf("ListUnitPrice"))).isEqualTo("0.0000000125");
    }

    @Test
    void theColumnsSayWhatTheChargeIs() throws Exception {
        List<List<String>> csv = exported(sample);
        List<String> header = csv.get(0);
        List<String> input = csv.get(1);
        assertThat(input.get(header.indexOf("ServiceCategory"))).isEqualTo("AI and Machine Learning");
        assertThat(input.get(header.indexOf("ServiceSubcategory"))).isEqualTo("Generative AI");
        assertThat(input.get(header.indexOf("ServiceName"))).isEqualTo("Amazon Bedrock");
        assertThat(input.get(header.indexOf("PricingUnit"))).isEqualTo("Tokens");
        assertThat(input.get(header.indexOf("ChargePeriodStart"))).isEqualTo("2026-02-10T13:00:00Z");
        assertThat(input.get(header.indexOf("ChargePeriodEnd"))).isEqualTo("2026-02-10T14:00:00Z");
        assertThat(input.get(header.indexOf("BillingPeriodStart"))).isEqualTo("2026-02-01T00:00:00Z");
        assertThat(input.get(header.indexOf("BillingPeriodEnd"))).isEqualTo("2026-03-01T00:00:00Z");
        assertThat(input.get(header.indexOf("RegionName"))).isEqualTo("US East (N. Virginia)");
        assertThat(input.get(header.indexOf("Tags"))).isEqualTo("{\"costmeter/source\":\"support-bot\",\"costmeter/subject\":\"tenant-1\"}");
        assertThat(input.get(header.indexOf("x_Source"))).isEqualTo("support-bot");
        assertThat(input.get(header.indexOf("x_RateCardVersion"))).isEqualTo("2026-02");
        assertThat(csv.get(3).get(header.indexOf("PricingCategory"))).isEqualTo("Committed");
        assertThat(csv.get(3).get(header.indexOf("PricingUnit"))).isEqualTo("Model-Unit Hours");
        assertThat(FocusColumns.pricingUnit("query")).isEqualTo("Queries");
        assertThat(FocusColumns.pricingUnit("text unit")).isEqualTo("Text Units");
    }

    @Test
    void theConformanceCheckFindsWhatBreaksTheSpecification() throws Exception {
        List<List<String>> csv = exported(sample);
        List<String> header = csv.get(0);
        List<List<String>> rows = new ArrayList<>();
        csv.subList(1, csv.size()).forEach(r -> rows.add(new ArrayList<>(r)));
        rows.get(0).set(header.indexOf("ListCost"), "0.46");
        rows.get(1).set(header.indexOf("ServiceSubcategory"), "Databases");
        rows.get(2).set(header.indexOf("ChargePeriodStart"), "2026-02-10 13:00:00");
        rows.get(3).set(header.indexOf("PricingUnit"), "");
        rows.get(4).set(header.indexOf("BilledCost"), "1e-3");
        List<String> withoutTags = new ArrayList<>(header);
        withoutTags.set(header.indexOf("Tags"), "Labels");
        assertThat(FocusConformance.problems(withoutTags, rows)).anyMatch(p -> p.startsWith("column Tags MUST be present"))
                .anyMatch(p -> p.startsWith("custom column Labels MUST be prefixed"))
                .anyMatch(p -> p.startsWith("row 1: ListUnitPrice × PricingQuantity MUST match ListCost"))
                .anyMatch(p -> p.startsWith("row 2: ServiceSubcategory MUST have ServiceCategory"))
                .anyMatch(p -> p.startsWith("row 3: ChargePeriodStart MUST conform to the Date/Time Format"))
                .anyMatch(p -> p.startsWith("row 4: PricingUnit MUST be null exactly when PricingQuantity is null"))
                .anyMatch(p -> p.startsWith("row 5: BilledCost MUST conform to NumericFormat"));
    }
}
