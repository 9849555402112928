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

/** One run of re-pricing the quarantine (table {@code reprice_run}): who asked, what it found and priced. */
@Entity
@Table(name = "reprice_run")
public class RepriceRunRow extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "started_at", insertable = false, updatable = false)
    public Instant startedAt;
    @Column(name = "requested_by")
    public String requestedBy;
    public long examined;
    public long priced;
    @Column(name = "cost_usd")
    public BigDecimal costUsd;
}
