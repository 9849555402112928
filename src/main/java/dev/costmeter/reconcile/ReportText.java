package dev.costmeter.reconcile;

import dev.costmeter.pricing.Money;

import java.util.Locale;

/** A reconciliation run as plain text for a terminal: the totals per class, then every key that is not matched. */
public final class ReportText {

    private ReportText() {
    }

    public static String render(ReconciliationService.Run run) {
        ReconciliationService.Summary summary = run.summary();
        StringBuilder out = new StringBuilder();
        out.append(String.format("reconciliation %d by %s at %s: %s (%s), %s to %s (UTC days, the last exclusive)%n", run.id(), run.runBy(),
                run.runAt(), run.billFile(), run.billFormat(), run.from(), run.to()));
        out.append(String.format("billed %s USD, metered %s USD, billed - metered %s USD (tolerance %s USD a key)%s%n",
                Money.plain(summary.billedCostUsd()), Money.plain(summary.meteredCostUsd()), Money.plain(summary.differenceUsd()),
                Money.plain(summary.toleranceUsd()), summary.bySource() ? "; by source, from the bill's IAM principals" : ""));
        out.append(String.format("left out: %d Bedrock lines that are not usage (taxes, credits: %s USD), %d lines of other services%n%n",
                summary.nonUsageBedrockLines(), Money.plain(summary.nonUsageBedrockCostUsd()), summary.otherServiceLines()));
        out.append(String.format("%-17s %6s %16s %16s %16s%n", "class", "keys", "billed USD", "metered USD", "billed-metered"));
        summary.byClassification().forEach((classification, totals) -> out.append(String.format("%-17s %6d %16s %16s %16s%n",
                name(classification), totals.keys(), Money.plain(totals.billedCost()), Money.plain(totals.meteredCost()),
                Money.plain(totals.costDifference()))));
        boolean header = false;
        for (Reconciler.Difference d : run.report().differences()) {
            if (d.classification() == Reconciler.Classification.MATCHED) {
                continue;
            }
            if (!header) {
                out.append(String.format("%nevery key that does not match:%n"));
                header = true;
            }
            Reconciler.Key k = d.key();
            out.append(String.format("%s %s %s %s %s%s: %s%n", k.day(), k.region(), k.modelId().isEmpty() ? "(no model)" : k.modelId(),
                    k.dimension(), k.tier().isEmpty() ? "" : k.tier(), k.source().isEmpty() ? "" : " source " + k.source(), name(d.classification())));
            out.append(String.format("    billed %s tokens for %s USD, metered %s for %s USD%s%n", Money.plain(d.billedQuantity()),
                    Money.plain(d.billedCost()), Money.plain(d.meteredQuantity()), Money.plain(d.meteredCost()),
                    d.usageType() == null ? "" : " (" + d.usageType() + ")"));
            if (!d.explanation().isEmpty()) {
                out.append("    ").append(d.explanation()).append(System.lineSeparator());
            }
        }
        if (run.draftRateCard() != null) {
            out.append(String.format("%na draft corrected rate card: GET /api/v1/reconciliations/%d/draft-rate-card%n", run.id()));
        }
        return out.toString();
    }

    private static String name(Reconciler.Classification classification) {
        return classification.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
