package dev.costmeter.reconcile;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.ReconciliationRows;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static dev.costmeter.reconcile.Reconciler.Classification.MATCHED;
import static dev.costmeter.reconcile.Reconciler.Classification.NOT_BILLED_YET;
import static dev.costmeter.reconcile.Reconciler.Classification.NOT_METERED;
import static dev.costmeter.reconcile.Reconciler.Classification.PRICE_DIFFERS;
import static dev.costmeter.reconcile.Reconciler.Classification.QUANTITY_DIFFERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The July bill against July's metering, key by key, as BillFixtures plants it. */
class ReconcilerTest {

    static final LocalDate JULY_20 = LocalDate.parse("2026-07-20");
    static final LocalDate JULY_21 = LocalDate.parse("2026-07-21");
    static final LocalDate JULY_22 = LocalDate.parse("2026-07-22");
    static final String NOVA_LITE = "amazon.nova-lite-v1:0";
    static final String HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0";

    @TempDir
    static Path dir;
    static Map<String, Path> bills;
    static RateCardTimeline cards;

    @BeforeAll
    static void setUp() {
        bills = BillFixtures.writeAll(dir);
        cards = new RateCardTimeline(RateCardCatalog.loadBundled());
    }

    /** What costmeter metered for recon-app in July: what ReconciliationAcceptanceTest publishes. */
    static List<ReconciliationRows.DaySum> julyMetering() {
        return List.of(
                metered(JULY_20, NOVA_LITE, Dimension.INPUT_TOKENS, "1000000", "0.06"),
                metered(JULY_20, NOVA_LITE, Dimension.OUTPUT_TOKENS, "500000", "0.12"),
                metered(JULY_20, HAIKU, Dimension.INPUT_TOKENS, "2000000", "2.00"),
                metered(JULY_20, HAIKU, Dimension.OUTPUT_TOKENS, "100000", "0.50"),
                metered(JULY_20, HAIKU, Dimension.CACHE_READ_INPUT_TOKENS, "1000000", "0.10"),
                metered(JULY_22, NOVA_LITE, Dimension.INPUT_TOKENS, "2000", "0.00012"),
                metered(JULY_22, NOVA_LITE, Dimension.OUTPUT_TOKENS, "1000", "0.00024"),
                // not model tokens: no bill line can be compared with it
                metered(JULY_20, "", Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, "20", "0.003"));
    }

    static ReconciliationRows.DaySum metered(LocalDate day, String model, Dimension dimension, String quantity, String cost) {
        return new ReconciliationRows.DaySum(day, "recon-app", "us-east-1", model, "default", dimension, new BigDecimal(quantity),
                new BigDecimal(cost));
    }

    static Reconciler.Report reconcile(String file) throws Exception {
        BillReader.Bill bill = BillReader.read(bills.get(file), file, "USD");
        return Reconciler.reconcile(bill, cards::cardAt,
                principal -> "arn:aws:iam::123456789012:role/recon-app".equals(principal) ? "recon-app" : "unattributed",
                julyMetering(), Map.of(JULY_21, Map.of(NOVA_LITE, 1L)), new Reconciler.Options(new BigDecimal("0.01"), 2, JULY_22));
    }

    static Reconciler.Difference find(Reconciler.Report report, LocalDate day, String model, String dimension) {
        return report.differences().stream().filter(d -> d.key().day().equals(day) && d.key().modelId().equals(model)
                && d.key().dimension().equals(dimension)).findFirst().orElseThrow(() -> new AssertionError(day + " " + model + " " + dimension));
    }

    @Test
    void everyPlantedDifferenceIsFoundAndNothingElse() throws Exception {
        for (String file : List.of("cur.csv", "cur.parquet", "focus.csv.gz", "focus.parquet")) {
            Reconciler.Report report = reconcile(file);
            String source = file.startsWith("cur") ? "recon-app" : ""; // CUR names the principal, FOCUS does not

            assertThat(report.differences()).as(file).hasSize(10);
            assertThat(report.differences()).allMatch(d -> d.key().source().equals(source));
            assertThat(find(report, JULY_20, NOVA_LITE, "input_tokens").classification()).isEqualTo(MATCHED);
            assertThat(find(report, JULY_20, NOVA_LITE, "output_tokens").classification()).isEqualTo(MATCHED);
            assertThat(find(report, JULY_20, HAIKU, "output_tokens").classification()).isEqualTo(MATCHED);
            assertThat(find(report, JULY_22, NOVA_LITE, "input_tokens").classification()).isEqualTo(MATCHED);

            Reconciler.Difference haikuInput = find(report, JULY_20, HAIKU, "input_tokens");
            assertThat(haikuInput.classification()).isEqualTo(PRICE_DIFFERS);
            assertThat(haikuInput.costDifference()).isEqualTo(new BigDecimal("-0.40"));
            assertThat(haikuInput.billedUnitPrice()).isEqualTo(new BigDecimal("8E-7"));
            assertThat(haikuInput.cardUnitPrice()).isEqualTo(new BigDecimal("0.000001"));

            Reconciler.Difference cacheReads = find(report, JULY_20, HAIKU, "cache_read_input_tokens");
            assertThat(cacheReads.classification()).isEqualTo(QUANTITY_DIFFERS);
            assertThat(cacheReads.billedQuantity()).isEqualByComparingTo("1200000");
            assertThat(cacheReads.meteredQuantity()).isEqualByComparingTo("1000000");

            Reconciler.Difference novaPro = find(report, JULY_20, "amazon.nova-pro-v1:0", "input_tokens");
            assertThat(novaPro.classification()).isEqualTo(NOT_METERED);
            assertThat(novaPro.explanation()).startsWith("no events");
            Reconciler.Difference quarantined = find(report, JULY_21, NOVA_LITE, "cache_read_input_tokens");
            assertThat(quarantined.classification()).isEqualTo(NOT_METERED);
            assertThat(quarantined.explanation()).startsWith("1 events of this model on this day are in the quarantine");
            Reconciler.Difference guardrail = find(report, JULY_21, "", "USE1-ContentPolicy-TextUnits");
            assertThat(guardrail.classification()).isEqualTo(NOT_METERED);
            assertThat(guardrail.explanation()).contains("is not a token usage type");

            Reconciler.Difference lateOutput = find(report, JULY_22, NOVA_LITE, "output_tokens");
            assertThat(lateOutput.classification()).isEqualTo(NOT_BILLED_YET);
            assertThat(lateOutput.meteredCost()).isEqualTo(new BigDecimal("0.00024"));

            assertThat(report.totals().get(MATCHED).keys()).isEqualTo(4);
            assertThat(report.totals().get(MATCHED).billedCost()).isEqualTo(new BigDecimal("0.68012"));
            assertThat(report.totals().get(NOT_METERED).billedCost()).isEqualTo(new BigDecimal("0.083006"));
            assertThat(report.totals().get(NOT_METERED).keys()).isEqualTo(3);
            assertThat(report.billedCost()).isEqualTo(new BigDecimal("2.483126"));
            assertThat(report.meteredCost()).isEqualTo(new BigDecimal("2.78036")); // the guardrail row is no token key

            assertThat(report.corrections()).containsExactly(new Reconciler.PriceCorrection("2026-02", HAIKU, "input", new BigDecimal("1"),
                    new BigDecimal("0.8")));
        }
    }

    @Test
    void aDifferenceWithinTheToleranceMatches() throws Exception {
        BillReader.Bill bill = BillReader.read(bills.get("focus.csv"), "focus.csv", "USD");
        List<ReconciliationRows.DaySum> offByHalfACent = List.of(metered(JULY_20, NOVA_LITE, Dimension.INPUT_TOKENS, "1000000", "0.065"));
        Reconciler.Report report = Reconciler.reconcile(bill, cards::cardAt, p -> "", offByHalfACent, Map.of(),
                new Reconciler.Options(new BigDecimal("0.01"), 2, JULY_22));
        assertThat(find(report, JULY_20, NOVA_LITE, "input_tokens").classification()).isEqualTo(MATCHED);
        Reconciler.Report strict = Reconciler.reconcile(bill, cards::cardAt, p -> "", offByHalfACent, Map.of(),
                new Reconciler.Options(new BigDecimal("0.001"), 2, JULY_22));
        assertThat(find(strict, JULY_20, NOVA_LITE, "input_tokens").classification()).isEqualTo(PRICE_DIFFERS);
    }

    @Test
    void aMeteredDayTheBillHasLongClosedIsAQuantityDifference() throws Exception {
        BillReader.Bill bill = BillReader.read(bills.get("focus.csv"), "focus.csv", "USD");
        List<ReconciliationRows.DaySum> early = List.of(metered(LocalDate.parse("2026-07-10"), NOVA_LITE, Dimension.INPUT_TOKENS, "5", "0.0000003"));
        Reconciler.Report report = Reconciler.reconcile(bill, cards::cardAt, p -> "", early, Map.of(),
                new Reconciler.Options(new BigDecimal("0.01"), 2, JULY_22));
        Reconciler.Difference d = find(report, LocalDate.parse("2026-07-10"), NOVA_LITE, "input_tokens");
        assertThat(d.classification()).isEqualTo(QUANTITY_DIFFERS);
        assertThat(d.billedQuantity()).isEqualByComparingTo("0");
    }

    @Test
    void usageTypesReadAsTheBedrockGuideShowsThem() throws Exception {
        assertThat(UsageType.parse("USE1-NovaLite-input-tokens")).isEqualTo(new UsageType("NovaLite", "input_tokens", "default"));
        assertThat(UsageType.parse("EU-Qwen3-32B-input-tokens-batch")).isEqualTo(new UsageType("Qwen3-32B", "input_tokens", "batch"));
        assertThat(UsageType.parse("USW2-Claude4.5Haiku-cache-write-input-token-count-priority"))
                .isEqualTo(new UsageType("Claude4.5Haiku", "cache_write_input_tokens", "priority"));
        assertThat(UsageType.parse("USE1-gpt-oss-20b-mantle-output-tokens-flex")).isEqualTo(new UsageType("gpt-oss-20b", "output_tokens", "flex"));
        assertThatThrownBy(() -> UsageType.parse("USE1-NovaLite-input-tokens-overnight")).hasMessageContaining("no service tier");
        assertThatThrownBy(() -> UsageType.parse("USE1-ContentPolicy-TextUnits")).hasMessageContaining("not a token usage type");
        // every cache-write TTL and every long-context dimension is billed under the token type it belongs to
        assertThat(UsageType.billDimension(Dimension.CACHE_WRITE_1H_INPUT_TOKENS)).isEqualTo("cache_write_input_tokens");
        assertThat(UsageType.billDimension(Dimension.LONG_CONTEXT_INPUT_TOKENS)).isEqualTo("input_tokens");
        assertThat(UsageType.billDimension(Dimension.IMAGES)).isNull();
    }

    @Test
    void everyModelOfTheCardHasAUsageTypeName() {
        RateCard card = cards.cardAt(java.time.Instant.parse("2026-07-20T00:00:00Z"));
        assertThat(card.usageTypeModels().keySet()).containsExactlyInAnyOrderElementsOf(card.models().values().stream()
                .map(RateCard.ModelRates::modelId).distinct().toList());
        assertThat(card.modelOfUsageTypeName("NovaLite")).isEqualTo(NOVA_LITE);
        assertThat(card.modelOfUsageTypeName("Qwen3-32B")).isEqualTo("qwen.qwen3-32b-v1:0");
    }

    @Test
    void theDraftCardChangesTheBilledPriceAndNothingElse() throws IOException {
        String definition;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("ratecards/2026-02.yaml")) {
            definition = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String draft = DraftRateCard.write(definition, "2026-02-reconciled-7", "run 7",
                List.of(new Reconciler.PriceCorrection("2026-02", HAIKU, "input", BigDecimal.ONE, new BigDecimal("0.8"))));
        assertThat(draft).contains("version: \"2026-02-reconciled-7\"")
                .contains("name: \"Claude Haiku 4.5\",  input: \"0.8\",  output: \"5.00\"")
                .contains("#   " + HAIKU + " input: 1.00 -> 0.8");
        String withoutHeader = draft.substring(draft.indexOf("# costmeter rate card"));
        assertThat(withoutHeader.replace("input: \"0.8\"", "input: \"1.00\"").replace("2026-02-reconciled-7", "2026-02")).isEqualTo(definition);
        assertThat(dev.costmeter.pricing.RateCardLoader.parse(withoutHeader).resolveModel(HAIKU).unitPrice("default", Dimension.INPUT_TOKENS))
                .isEqualByComparingTo("0.0000008");
    }
}
