package dev.costmeter.budget;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.storage.BudgetAlertRow;
import dev.costmeter.storage.BudgetRow;
import dev.costmeter.storage.Publication;
import dev.costmeter.storage.SpendQuery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import org.hibernate.exception.ConstraintViolationException;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.UUID;

/**
 * Budgets and their alerts (Panache entities in the storage layer), and the spend in a budget's
 * scope (read by {@link SpendQuery}): all in PostgreSQL, the source of truth.
 */
@ApplicationScoped
public class BudgetStore {

    /** A budget name that is taken. */
    public static final class NameTaken extends Exception {
        NameTaken(String name) {
            super("a budget named '" + name + "' exists already");
        }
    }

    /** An alert published, and the budget amount it was computed against. */
    public record Alert(String threshold, Instant firedAt, BigDecimal spentUsd, BigDecimal forecastUsd, BigDecimal amountUsd) {
    }

    @Inject
    SpendQuery spend;

    private Duration bucket;

    @Inject
    void bucket(CostmeterConfig config) {
        this.bucket = config.aggregation().bucket();
    }

    @Transactional
    public List<Budget> list() {
        return BudgetRow.<BudgetRow>list("order by name").stream().map(BudgetStore::budget).toList();
    }

    @Transactional
    public Optional<Budget> get(UUID id) {
        return BudgetRow.<BudgetRow>findByIdOptional(id).map(BudgetStore::budget);
    }

    @Transactional(rollbackOn = Exception.class)
    public Budget create(Budget budget) throws NameTaken {
        BudgetRow row = new BudgetRow();
        row.id = budget.id();
        copy(budget, row);
        flushOrNameTaken(row, budget.name(), true);
        return budget;
    }

    /** @return false when there is no such budget */
    @Transactional(rollbackOn = Exception.class)
    public boolean update(Budget budget) throws NameTaken {
        BudgetRow row = BudgetRow.findById(budget.id());
        if (row == null) {
            return false;
        }
        copy(budget, row);
        flushOrNameTaken(row, budget.name(), false);
        return true;
    }

    @Transactional
    public boolean delete(UUID id) {
        return BudgetRow.deleteById(id);
    }

    /** Exact spend in the scope, of the aggregate buckets starting in [from, to). */
    public BigDecimal spend(Budget.Scope scope, Instant from, Instant to) throws SQLException {
        return spend.total(from, to, filters(scope));
    }

    /**
     * Spend in the scope over exactly each window {@code [start, now)}: the buckets inside it, and the
     * share of the bucket it starts in (see {@link BurnRate#spendInWindow}). One scan for all windows.
     */
    public List<BigDecimal> spendInWindows(Budget.Scope scope, List<Instant> starts, Instant now) throws SQLException {
        Instant earliest = starts.stream().min(Instant::compareTo).orElseThrow().minus(bucket);
        NavigableMap<Instant, BigDecimal> buckets = spend.byBucket(earliest, now, filters(scope));
        return starts.stream().map(start -> BurnRate.spendInWindow(buckets, start, bucket)).toList();
    }

    /** Spend in the scope by UTC day, for the days in [from, to). */
    public Map<LocalDate, BigDecimal> dailySpend(Budget.Scope scope, Instant from, Instant to) throws SQLException {
        return spend.byDay(from, to, filters(scope));
    }

    /** Whether any spend ever recorded matches the scope. */
    public boolean anySpend(Budget.Scope scope) throws SQLException {
        return spend.any(filters(scope));
    }

    /** The earliest bucket with spend in the scope in [from, to), or null: where a forecast's history begins. */
    public Instant firstSpend(Budget.Scope scope, Instant from, Instant to) throws SQLException {
        return spend.first(from, to, filters(scope));
    }

    /** Threshold alerts published since an instant, by threshold ("50", "100", "forecast" …). */
    @Transactional
    public Map<String, Long> alertsPublishedSince(Instant since) {
        return BudgetAlertRow.countedByThresholdSince(since);
    }

    @Transactional
    public List<Alert> alerts(UUID budget, Instant periodStart) {
        return BudgetAlertRow.of(budget, periodStart).stream()
                .map(a -> new Alert(a.key.threshold, a.firedAt, a.spentUsd, a.forecastUsd, a.key.amountUsd)).toList();
    }

    /** Someone (this instance or another) claimed the alert first. */
    static final class AlreadyClaimed extends Exception {
        AlreadyClaimed() {
            super(null, null, false, false);
        }
    }

    /**
     * Publishes an alert at most once per budget, period, threshold and amount, across restarts and
     * instances: the claim (the alert's row) and the wait for the broker's acknowledgement share one
     * transaction. If the broker does not take it, the claim rolls back and the next evaluation
     * publishes it; if the process dies between the acknowledgement and the commit, it is published
     * again with the same CloudEvents id, for consumers to drop.
     *
     * @return true if this call claimed and published, false if the alert was given before
     */
    public boolean publishAlertOnce(Alert alert, UUID budget, Instant periodStart, Publication publication) throws Exception {
        try {
            claimAndPublish(alert, budget, periodStart, publication);
            return true;
        } catch (AlreadyClaimed e) {
            return false;
        }
    }

    @Transactional(rollbackOn = Exception.class)
    void claimAndPublish(Alert alert, UUID budget, Instant periodStart, Publication publication) throws Exception {
        BudgetAlertRow.Key key = new BudgetAlertRow.Key(budget, periodStart, alert.threshold(), alert.amountUsd());
        if (BudgetAlertRow.findById(key) != null) {
            throw new AlreadyClaimed();
        }
        BudgetAlertRow row = new BudgetAlertRow();
        row.key = key;
        row.firedAt = alert.firedAt();
        row.spentUsd = alert.spentUsd();
        row.forecastUsd = alert.forecastUsd();
        try {
            row.persistAndFlush();
        } catch (ConstraintViolationException e) {
            throw new AlreadyClaimed(); // another instance claimed it meanwhile
        }
        publication.publishAndWait();
    }

    /** The scope as spend filters: each field set is matched exactly. */
    static Map<String, String> filters(Budget.Scope scope) {
        Map<String, String> filters = new LinkedHashMap<>();
        putIfSet(filters, "source", scope.source());
        putIfSet(filters, "subject", scope.subject());
        putIfSet(filters, "model", scope.model());
        putIfSet(filters, "dimension", scope.dimension());
        putIfSet(filters, "tier", scope.tier());
        return filters;
    }

    private static void putIfSet(Map<String, String> filters, String name, String value) {
        if (value != null) {
            filters.put(name, value);
        }
    }

    private static void flushOrNameTaken(BudgetRow row, String name, boolean isNew) throws NameTaken {
        try {
            if (isNew) {
                row.persist();
            }
            BudgetRow.flush();
        } catch (PersistenceException e) {
            if (e instanceof ConstraintViolationException) {
                throw new NameTaken(name);
            }
            throw e;
        }
    }

    private static void copy(Budget b, BudgetRow row) {
        row.name = b.name();
        row.scopeSource = b.scope().source();
        row.scopeSubject = b.scope().subject();
        row.scopeModel = b.scope().model();
        row.scopeDimension = b.scope().dimension();
        row.scopeTier = b.scope().tier();
        row.period = b.period().id();
        row.amountUsd = b.amountUsd();
        row.thresholds = b.thresholds().toArray(BigDecimal[]::new);
        row.alertOnForecast = b.alertOnForecast();
        row.updatedAt = Instant.now();
    }

    private static Budget budget(BudgetRow row) {
        return new Budget(row.id, row.name, new Budget.Scope(row.scopeSource, row.scopeSubject, row.scopeModel, row.scopeDimension,
                row.scopeTier), Budget.Period.of(row.period), row.amountUsd, Arrays.asList(row.thresholds), row.alertOnForecast);
    }

    static LocalDate day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }
}
