package dev.costmeter.pricing;

import dev.costmeter.ratecard.RateCardCatalog;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class RateCardLoaderTest {

    /** A small valid card (version test-1, in effect from 2026-03-01), for tests that need one. */
    public static final String VALID = """
            version: "test-1"
            effectiveFrom: "2026-03-01T00:00:00Z"
            currency: USD
            regions: [us-east-1]
            tokenPricesPer: 1000000
            serviceTiers: { default: "1", flex: "0.5" }
            tokenDimensions:
              input_tokens: { basedOn: input, multiplier: "1" }
              output_tokens: { basedOn: output, multiplier: "1" }
            crossRegionPrefixes: ["us."]
            models:
              - { id: "m1", name: "Model One", input: "2.00", output: "8.00", aliases: ["m1-alias"] }
            """;

    @Test
    void theBundledCardHoldsEveryModelOfTheGuide() {
        RateCard card = RateCardCatalog.loadBundled().get(0);
        assertThat(card.version()).isEqualTo("2026-02");
        assertThat(card.effectiveFrom()).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
        // 32 text models + Titan Embeddings V2 (two ids for Claude 3.5 Sonnet), Titan Text Lite/Express and
        // Cohere Command (customization and provisioned throughput), Nova Act, Amazon Rerank 1.0, 10 Stability operations
        assertThat(card.models()).hasSize(48);
        assertThat(card.accountPrice(Dimension.FLOW_NODE_TRANSITIONS)).isEqualByComparingTo("0.000035");
    }

    @Test
    void unitPricesAreExactAndAliasesResolve() {
        RateCard card = RateCardLoader.parse(VALID);
        assertThat(card.resolveModel("m1-alias").unitPrice("flex", Dimension.OUTPUT_TOKENS)).isEqualTo(new java.math.BigDecimal("0.000004"));
        assertThat(card.resolveModel("us.m1")).isNotNull();
        assertThat(card.resolveModel("eu.m1")).isNull();
    }

    @Test
    void everyProblemIsReportedWithItsPlace() {
        String broken = VALID.replace("input: \"2.00\"", "input: \"-2.00\"")
                .replace("output_tokens: { basedOn: output", "outptu_tokens: { basedOn: output")
                .replace("default: \"1\", ", "");
        assertThatThrownBy(() -> RateCardLoader.parse(broken))
                .isInstanceOf(RateCardException.class)
                .hasMessageContaining("models[0] (m1).input: price must not be negative")
                .hasMessageContaining("tokenDimensions.outptu_tokens: unknown dimension")
                .hasMessageContaining("serviceTiers: must define 'default'");
    }

    /** A price given twice is ambiguous: the card is refused, not loaded with whichever came last. */
    @Test
    void aKeyGivenTwiceIsRefusedWithItsLine() {
        assertThatThrownBy(() -> RateCardLoader.parse(VALID.replace("input: \"2.00\", output: \"8.00\"", "input: \"2.00\", output: \"8.00\", input: \"0.20\"")))
                .isInstanceOf(RateCardException.class).hasMessageContaining("Duplicate field 'input'").hasMessageContaining("line");
        assertThatThrownBy(() -> RateCardLoader.parse(VALID.replace("flex: \"0.5\"", "flex: \"0.5\", flex: \"0.05\"")))
                .isInstanceOf(RateCardException.class).hasMessageContaining("Duplicate field 'flex'");
        assertThatThrownBy(() -> RateCardLoader.parse(VALID + "currency: EUR\n"))
                .isInstanceOf(RateCardException.class).hasMessageContaining("Duplicate field 'currency'");
    }

    @Test
    void malformedYamlNamesTheLine() {
        assertThatThrownBy(() -> RateCardLoader.parse("version: \"x\"\nmodels: [ {id: \n"))
                .isInstanceOf(RateCardException.class).hasMessageContaining("line");
    }

    @Test
    void aTimelinePicksTheCardInEffectAtTheEventsTime() {
        RateCard march = RateCardLoader.parse(VALID);
        RateCard april = RateCardLoader.parse(VALID.replace("test-1", "test-2").replace("2026-03-01", "2026-04-01"));
        RateCardTimeline timeline = new RateCardTimeline(List.of(april, march));
        assertThat(timeline.cardAt(Instant.parse("2026-02-28T23:59:59Z"))).isNull();
        assertThat(timeline.cardAt(Instant.parse("2026-03-01T00:00:00Z")).version()).isEqualTo("test-1");
        assertThat(timeline.cardAt(Instant.parse("2026-03-31T23:59:59.999Z")).version()).isEqualTo("test-1");
        assertThat(timeline.cardAt(Instant.parse("2026-04-01T00:00:00Z")).version()).isEqualTo("test-2");
    }

    @Test
    void problemsNameTheLineAtFault() {
        String broken = VALID.replace("models:", """
                charges:
                  flow_node_transitions: "-0.035 per 1000"
                  images: "0.04"
                  warp_drive_hours: "1"
                models:""");
        assertThatThrownBy(() -> RateCardLoader.parse(broken))
                .isInstanceOf(RateCardException.class)
                .satisfies(e -> assertThat(((RateCardException) e).problems()).containsExactlyInAnyOrder(
                        "line 12: charges.flow_node_transitions: price must not be negative, was -0.035 per 1000",
                        "line 13: charges.images: is priced per model: put it under a model's prices",
                        "line 14: charges.warp_drive_hours: unknown dimension; known here: " + Dimension.idsPricedBy(Dimension.PricedBy.ACCOUNT)));
    }

    @Test
    void pricesAreWrittenAsInTheGuide() {
        RateCard card = RateCardLoader.parse(VALID.replace("models:", """
                charges: { flow_node_transitions: "0.035 per 1,000", kb_generate_query_calls: "$0.002" }
                models:"""));
        assertThat(card.accountPrice(Dimension.FLOW_NODE_TRANSITIONS)).isEqualTo(new java.math.BigDecimal("0.000035"));
        assertThat(card.accountPrice(Dimension.KB_GENERATE_QUERY_CALLS)).isEqualTo(new java.math.BigDecimal("0.002"));
        assertThatThrownBy(() -> RateCardLoader.parse(VALID.replace("models:", "charges: { flow_node_transitions: \"1 per 3\" }\nmodels:")))
                .hasMessageContaining("does not give an exact unit price");
    }

    @Test
    void aLongContextRuleMustExistAndHaveAnInputPrice() {
        assertThatThrownBy(() -> RateCardLoader.parse(VALID.replace("aliases: [\"m1-alias\"]", "aliases: [\"m1-alias\"], longContext: huge")))
                .hasMessageContaining("models[0] (m1).longContext: no rule 'huge' in longContextRules");
        assertThatThrownBy(() -> RateCardLoader.parse(VALID.replace("crossRegionPrefixes:",
                "longContextRules: { big: { inputTokensAbove: 10, multiplier: \"2\", billed: sometimes } }\ncrossRegionPrefixes:")))
                .hasMessageContaining("longContextRules.big.billed: must be 'excess' (tokens beyond the threshold) or 'whole_request'");
    }

    @Test
    void aCardThatOnlyAddsPricesChangesNothingThatWasPriced() {
        RateCard march = RateCardLoader.parse(VALID);
        RateCard additive = RateCardLoader.parse(VALID.replace("test-1", "test-2")
                .replace("models:", "models:\n  - { id: \"m2\", input: \"1\", output: \"2\" }"));
        RateCard repriced = RateCardLoader.parse(VALID.replace("test-1", "test-3").replace("input: \"2.00\"", "input: \"2.50\""));
        assertThat(additive.changesFrom(march)).isEmpty();
        assertThat(repriced.changesFrom(march)).contains("model m1 price of input_tokens in tier default changes",
                "model m1 price of input_tokens in tier flex changes");
        assertThat(march.changesFrom(additive)).contains("model m2 is no longer priced");
    }

    @Test
    void aStepDownNamesAnotherModelOfTheCard() {
        assertThat(RateCardLoader.parse(VALID.replace("aliases: [\"m1-alias\"] }",
                        "aliases: [\"m1-alias\"], stepDown: \"m2\" }\n  - { id: \"m2\", name: \"Model Two\", input: \"1.00\" }"))
                .resolveModel("m1").stepDown()).isEqualTo("m2");
        assertThatThrownBy(() -> RateCardLoader.parse(VALID.replace("aliases: [\"m1-alias\"] }", "aliases: [\"m1-alias\"], stepDown: \"m9\" }")))
                .hasMessageContaining("models[m1].stepDown").hasMessageContaining("must be another model of this card");
        // the bundled card: the guide's families, Sonnet to Haiku and Nova Pro to Lite
        RateCard bundled = dev.costmeter.ratecard.RateCardCatalog.loadBundled().get(0);
        assertThat(bundled.resolveModel("anthropic.claude-sonnet-4-5-20250929-v1:0").stepDown()).isEqualTo("anthropic.claude-haiku-4-5-20251001-v1:0");
        assertThat(bundled.resolveModel("amazon.nova-pro-v1:0").stepDown()).isEqualTo("amazon.nova-lite-v1:0");
    }
}
