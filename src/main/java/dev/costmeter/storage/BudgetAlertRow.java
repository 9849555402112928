package dev.costmeter.storage;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A budget alert that was published (table {@code budget_alert}): one per budget, period, threshold
 * and amount. Its key is the claim that keeps an alert from being published twice.
 */
@Entity
@Table(name = "budget_alert")
public class BudgetAlertRow extends PanacheEntityBase {

    /** Budget, period start, threshold ("50", "100", "forecast" …) and the amount it was computed against. */
    @Embeddable
    public static class Key implements Serializable {
        @Column(name = "budget_id")
        public UUID budgetId;
        @Column(name = "period_start")
        public Instant periodStart;
        public String threshold;
        @Column(name = "amount_usd")
        public BigDecimal amountUsd;

        public Key() {
        }

        public Key(UUID budgetId, Instant periodStart, String threshold, BigDecimal amountUsd) {
            this.budgetId = budgetId;
            this.periodStart = periodStart;
            this.threshold = threshold;
            this.amountUsd = amountUsd;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(budgetId, k.budgetId) && Objects.equals(periodStart, k.periodStart)
                    && Objects.equals(threshold, k.threshold) && amountUsd != null && k.amountUsd != null
                    && amountUsd.compareTo(k.amountUsd) == 0;
        }

        @Override
        public int hashCode() {
            return Objects.hash(budgetId, periodStart, threshold, amountUsd == null ? null : amountUsd.stripTrailingZeros());
        }
    }

    @EmbeddedId
    public Key key;
    @Column(name = "fired_at")
    public Instant firedAt;
    @Column(name = "spent_usd")
    public BigDecimal spentUsd;
    @Column(name = "forecast_usd")
    public BigDecimal forecastUsd;

    /** The alerts of a budget in the period that starts at {@code periodStart}, oldest first. */
    public static List<BudgetAlertRow> of(UUID budgetId, Instant periodStart) {
        return list("key.budgetId = ?1 and key.periodStart = ?2 order by firedAt, key.threshold", budgetId, periodStart);
    }

    /** Alerts published since an instant, by threshold. */
    public static Map<String, Long> countedByThresholdSince(Instant since) {
        Map<String, Long> counts = new TreeMap<>();
        getEntityManager().createQuery("select a.key.threshold, count(a) from BudgetAlertRow a where a.firedAt >= ?1 group by a.key.threshold",
                        Object[].class)
                .setParameter(1, since)
                .getResultList()
                .forEach(row -> counts.put((String) row[0], (Long) row[1]));
        return counts;
    }
}
