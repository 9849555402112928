package dev.costmeter.reconcile;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A draft corrected rate card: the card's own definition with the prices the bill implies put in
 * for the models whose cost differed, under a new version name, for a person to review and publish
 * (POST /api/v1/rate-cards) with the effectiveFrom they choose. Only the text of those prices and
 * of the version changes; every comment and rule stays.
 */
public final class DraftRateCard {

    private static final Pattern VERSION = Pattern.compile("(?m)^version:\\s*\"?([^\"\\n]+)\"?\\s*$");
    private static final Pattern PER = Pattern.compile("(?m)^tokenPricesPer:\\s*(\\d+)");

    private DraftRateCard() {
    }

    /**
     * @return the draft's text, or null when no correction applies to a model line of the definition
     */
    public static String write(String definition, String draftVersion, String reason, List<Reconciler.PriceCorrection> corrections) {
        Matcher per = PER.matcher(definition);
        BigDecimal tokensPer = per.find() ? new BigDecimal(per.group(1)) : BigDecimal.valueOf(1_000_000);
        String text = definition;
        int applied = 0;
        StringBuilder header = new StringBuilder("# DRAFT written by costmeter's reconciliation: ").append(reason).append('\n')
                .append("# Review the prices below, set effectiveFrom, then publish it. Changed from the bill's implied unit prices:\n");
        for (Reconciler.PriceCorrection c : corrections) {
            Pattern line = Pattern.compile("(?m)^(.*id:\\s*\"" + Pattern.quote(c.modelId()) + "\".*?\\b" + c.price() + ":\\s*\")([0-9.]+)(\".*)$");
            Matcher m = line.matcher(text);
            if (!m.find()) {
                continue;
            }
            BigDecimal value = c.billedPrice().multiply(tokensPer).divide(BigDecimal.valueOf(1_000_000)).stripTrailingZeros();
            text = text.substring(0, m.start(2)) + value.toPlainString() + text.substring(m.end(2));
            header.append("#   ").append(c.modelId()).append(' ').append(c.price()).append(": ").append(m.group(2)).append(" -> ")
                    .append(value.toPlainString()).append('\n');
            applied++;
        }
        if (applied == 0) {
            return null;
        }
        Matcher version = VERSION.matcher(text);
        if (version.find()) {
            text = text.substring(0, version.start()) + "version: \"" + draftVersion + "\"" + text.substring(version.end());
        }
        return header + text;
    }
}
