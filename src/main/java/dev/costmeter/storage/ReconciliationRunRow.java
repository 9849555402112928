package dev.costmeter.storage;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/** One reconciliation of the AWS bill (table {@code reconciliation_run}): who, when, which file, the summary and the report. */
@Entity
@Table(name = "reconciliation_run")
public class ReconciliationRunRow extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "run_at")
    public Instant runAt;
    @Column(name = "run_by")
    public String runBy;
    @Column(name = "bill_file")
    public String billFile;
    @Column(name = "bill_format")
    public String billFormat;
    @Column(name = "from_day")
    public LocalDate fromDay;
    @Column(name = "to_day")
    public LocalDate toDay;
    @Column(name = "billed_cost_usd")
    public BigDecimal billedCostUsd;
    @Column(name = "metered_cost_usd")
    public BigDecimal meteredCostUsd;
    public String summary;
    public String report;
    @Column(name = "draft_rate_card")
    public String draftRateCard;
}
