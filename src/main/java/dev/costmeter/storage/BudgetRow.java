package dev.costmeter.storage;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * A budget as stored (table {@code budget}). Budgets are low-rate CRUD state, so they are a Panache
 * entity; the spend they are measured against is read with SQL by {@link SpendQuery}.
 */
@Entity
@Table(name = "budget")
public class BudgetRow extends PanacheEntityBase {

    @Id
    public UUID id;
    public String name;
    @Column(name = "scope_source")
    public String scopeSource;
    @Column(name = "scope_subject")
    public String scopeSubject;
    @Column(name = "scope_model")
    public String scopeModel;
    @Column(name = "scope_dimension")
    public String scopeDimension;
    @Column(name = "scope_tier")
    public String scopeTier;
    /** day, week or month */
    public String period;
    @Column(name = "amount_usd")
    public BigDecimal amountUsd;
    /** Percent of the amount, e.g. {50, 80, 100}. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "thresholds", columnDefinition = "numeric[]")
    public BigDecimal[] thresholds;
    @Column(name = "alert_on_forecast")
    public boolean alertOnForecast;
    @Column(name = "created_at", insertable = false, updatable = false)
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
