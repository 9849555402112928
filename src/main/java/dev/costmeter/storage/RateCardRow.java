package dev.costmeter.storage;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;

/** A rate card version published through the API (table {@code rate_card}): immutable once stored. */
@Entity
@Table(name = "rate_card")
public class RateCardRow extends PanacheEntityBase {

    @Id
    public String version;
    @Column(name = "effective_from")
    public Instant effectiveFrom;
    /** The YAML as published. */
    public String definition;
    @Column(name = "published_at", insertable = false, updatable = false)
    public Instant publishedAt;
    @Column(name = "published_by")
    public String publishedBy;
    /** The version this card corrects, or null. */
    public String corrects;
    /** Why a correction was published (required for one). */
    public String reason;

    public static List<RateCardRow> inEffectiveOrder() {
        return list("order by effectiveFrom");
    }
}
