package dev.costmeter.decoding;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code events/every-type.jsonl}: one event of every type, as an application would publish it,
 * and what each costs under the bundled card, worked out by hand from the pricing guide.
 */
public final class FeatureEventsTestFixture {

    public static final Map<String, String> EXPECTED_COST = new LinkedHashMap<>();

    static {
        EXPECTED_COST.put("inv-1", "0.0045");        // Haiku 4.5: 2,000 × $1/1M + 500 × $5/1M
        EXPECTED_COST.put("inv-2", "0.915");         // Sonnet 4.5: 200,000 × $3/1M + 50,000 × $6/1M (long context) + 1,000 × $15/1M
        EXPECTED_COST.put("img-1", "0.14");          // 2 inpaint images × $0.07
        EXPECTED_COST.put("emb-1", "0.001");         // 50,000 × $0.02/1M
        EXPECTED_COST.put("gr-1", "0.00158");        // 3 × $0.15/1K × 2 policies + word, regex PII free + 2 units × 2 AR policies × $0.17/1K
        EXPECTED_COST.put("gr-2", "0.0009");         // ceil(2,500/1,000) = 3 units × 2 policies × $0.15/1K
        EXPECTED_COST.put("flow-1", "0.000875");     // 25 × $0.035/1K
        EXPECTED_COST.put("rr-1", "0.003");          // ceil(250/100) = 3 queries × $1/1K
        EXPECTED_COST.put("gq-1", "0.01");           // 5 × $0.002
        EXPECTED_COST.put("bda-1", "0.4");           // 10 custom pages × $0.04
        EXPECTED_COST.put("pr-1", "1");              // 1,000 × $1/1K
        EXPECTED_COST.put("po-1", "0.06");           // 2,000 × $0.03/1K
        EXPECTED_COST.put("he-1", "2.1");            // 10 × $0.21
        EXPECTED_COST.put("act-1", "2.375");         // 0.5 h × $4.75
        EXPECTED_COST.put("ft-1", "480");            // 20M × 3 epochs / 1K × $0.008
        EXPECTED_COST.put("pt-1", "14.8");           // 1 MU × 1 h × $14.80 (6-month)
        EXPECTED_COST.put("os-1", "0.48");           // 1 OCU reported, billed at the 2-OCU floor × $0.24
        EXPECTED_COST.put("cw-1", "0.75");           // 1.5 GB × $0.50
    }

    private FeatureEventsTestFixture() {
    }

    public static List<String> everyType() {
        return lines("events/every-type.jsonl");
    }

    static List<String> lines(String name) {
        try (InputStream in = FeatureEventsTestFixture.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
