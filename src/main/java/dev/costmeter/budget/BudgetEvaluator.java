package dev.costmeter.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.pricing.Money;
import dev.costmeter.support.GaugeTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes each budget's status from PostgreSQL (so a restart resets nothing), exports it as
 * Prometheus gauges (with the whole bill today and month to date), and fires each threshold's alert once per period: the alert row is inserted in
 * the transaction that waits for Kafka's acknowledgement of the alert event, and its primary key
 * (budget, period, threshold) admits one row ever — across restarts and instances.
 */
@ApplicationScoped
public class BudgetEvaluator {

    private static final Logger LOG = Logger.getLogger(BudgetEvaluator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FORECAST = "forecast";
    static final String ALERT_TYPE = "costmeter.budget.alert";

    @Inject
    BudgetStore store;
    @Inject
    CostmeterConfig config;
    /**
     * Budget alerts go out on a SmallRye Reactive Messaging channel (configured under
     * {@code mp.messaging.outgoing.budget-alerts}): a low-rate output the framework's Kafka
     * connector serves well, unlike the ingest loop's batched, offset-owning path.
     */
    @Inject
    @Channel("budget-alerts")
    MutinyEmitter<byte[]> alertChannel;
    @Inject
    MeterRegistry registry;

    private GaugeTable amount;
    private GaugeTable spent;
    private GaugeTable forecast;
    private GaugeTable forecastAlertable;
    private GaugeTable remaining;
    private GaugeTable daysUntilExhausted;
    private GaugeTable burnRate;
    private GaugeTable totalSpend;
    private volatile boolean started;
    private static final Duration ALERT_ACK_TIMEOUT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A budget's state now. Money exact except the forecast (an estimate, in cents). */
    public record Status(Budget budget, Instant periodStart, Instant periodEnd, BigDecimal spentUsd, BigDecimal remainingUsd,
                         BigDecimal percentUsed, Map<String, BigDecimal> burnRate, Forecast.Projection forecast,
                         List<BudgetStore.Alert> alerts) {

        public BigDecimal forecastUsd() {
            return forecast.expectedUsd();
        }

        /** Why forecast alerts are held, or null. */
        public String forecastHeld() {
            return forecast.held();
        }

        /**
         * Days until the remaining amount is spent at the 6-hour burn rate; null when nothing is being
         * spent (or the budget is already spent: 0).
         */
        public BigDecimal daysUntilExhausted() {
            if (remainingUsd.signum() <= 0) {
                return BigDecimal.ZERO;
            }
            BigDecimal burn6h = burnRate.get("6h");
            if (burn6h == null || burn6h.signum() <= 0) {
                return null;
            }
            // spend per day = burn × amount / period days
            BigDecimal periodDays = BigDecimal.valueOf(java.time.Duration.between(periodStart, periodEnd).toSeconds())
                    .divide(BigDecimal.valueOf(86_400), MathContext.DECIMAL64);
            BigDecimal perDay = burn6h.multiply(budget.amountUsd()).divide(periodDays, MathContext.DECIMAL64);
            return remainingUsd.divide(perDay, 2, RoundingMode.HALF_UP);
        }

        /** The figures as the API and the alert events show them: money as decimal strings. */
        public Map<String, Object> figures() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("periodStart", periodStart.toString());
            out.put("periodEnd", periodEnd.toString());
            out.put("amountUsd", Money.plain(budget.amountUsd()));
            out.put("spentUsd", Money.plain(spentUsd));
            out.put("remainingUsd", Money.plain(remainingUsd));
            out.put("percentUsed", Money.plain(percentUsed));
            Map<String, String> rates = new LinkedHashMap<>();
            burnRate.forEach((window, rate) -> rates.put(window, Money.plain(rate)));
            out.put("burnRate", rates);
            out.put("forecastUsd", Money.plain(forecastUsd()));
            Map<String, Object> how = new LinkedHashMap<>();
            how.put("method", forecast.method());
            how.put("lowUsd", Money.plain(forecast.lowUsd()));
            how.put("highUsd", Money.plain(forecast.highUsd()));
            how.put("alertsHeld", forecast.held());
            out.put("forecast", how);
            BigDecimal days = daysUntilExhausted();
            out.put("daysUntilExhausted", days == null ? null : Money.plain(days));
            return out;
        }
    }

    void onStart(@Observes StartupEvent event) {
        amount = new GaugeTable(registry, "costmeter.budget.amount", "The budget's amount for its period", "usd");
        spent = new GaugeTable(registry, "costmeter.budget.spent", "Spend in the budget's scope, this period", "usd");
        forecast = new GaugeTable(registry, "costmeter.budget.forecast",
                "Forecast spend at the end of the period (see /status for the method and the range)", "usd");
        forecastAlertable = new GaugeTable(registry, "costmeter.budget.forecast.alertable",
                "1 when the forecast is supported by enough history or enough of the period to alert on, else 0", null);
        remaining = new GaugeTable(registry, "costmeter.budget.remaining", "Amount left this period", "usd");
        daysUntilExhausted = new GaugeTable(registry, "costmeter.budget.days.until.exhausted",
                "Days until the remaining amount is spent at the 6-hour burn rate (absent while nothing is spent)", null);
        burnRate = new GaugeTable(registry, "costmeter.budget.burn.rate",
                "Spend rate over the window divided by the rate that spends exactly the budget over its period", null);
        totalSpend = new GaugeTable(registry, "costmeter.spend",
                "The whole bill from PostgreSQL, exact when computed: today and month to date (UTC)", "usd");
        started = true;
        // The first evaluation runs a second after start-up, so a restart does not resolve the budget alerts in Prometheus.
    }

    void onStop(@Observes ShutdownEvent event) {
        started = false;
    }

    @Scheduled(identity = "budgets", delayed = "1s", every = "${costmeter.budgets.evaluate-interval:PT30S}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void evaluateQuietly() {
        if (!started) {
            return;
        }
        try {
            evaluateAll(Instant.now());
        } catch (Exception e) {
            LOG.warn("could not evaluate budgets; will try again", e);
        }
    }

    /**
     * Recomputes every budget, updates the gauges and fires the alerts now due. One evaluation at a
     * time: two interleaved gauge updates could drop a gauge.
     */
    public synchronized List<Status> evaluateAll(Instant now) throws Exception {
        Instant today = Budget.Period.DAY.start(now);
        Instant month = Budget.Period.MONTH.start(now);
        totalSpend.update(Map.of(
                Tags.of("period", "today"), store.spend(Budget.Scope.EVERYTHING, today, Budget.Period.DAY.end(today)),
                Tags.of("period", "month_to_date"), store.spend(Budget.Scope.EVERYTHING, month, Budget.Period.MONTH.end(month))));
        List<Status> statuses = new ArrayList<>();
        for (Budget budget : store.list()) {
            Status status = status(budget, now);
            fireAlertsDue(status, now);
            statuses.add(status);
        }
        List<Status> gauged = statuses.subList(0, Math.min(statuses.size(), config.budgets().maxGauges()));
        amount.update(rows(gauged, s -> s.budget().amountUsd()));
        spent.update(rows(gauged, Status::spentUsd));
        forecast.update(rows(gauged, Status::forecastUsd));
        forecastAlertable.update(rows(gauged, s -> s.forecastHeld() == null ? BigDecimal.ONE : BigDecimal.ZERO));
        remaining.update(rows(gauged, Status::remainingUsd));
        daysUntilExhausted.update(rows(gauged.stream().filter(s -> s.daysUntilExhausted() != null).toList(), Status::daysUntilExhausted));
        Map<Tags, BigDecimal> rates = new java.util.HashMap<>();
        for (Status s : gauged) {
            s.burnRate().forEach((window, rate) -> rates.put(tags(s).and("window", window), rate));
        }
        burnRate.update(rates);
        return statuses;
    }

    public Status status(Budget budget, Instant now) throws SQLException {
        Budget.Period period = budget.period();
        Instant start = period.start(now);
        Instant end = period.end(start);
        BigDecimal spentUsd = store.spend(budget.scope(), start, end);
        Map<String, BigDecimal> rates = new LinkedHashMap<>();
        List<BigDecimal> inWindows = store.spendInWindows(budget.scope(), Arrays.stream(BurnRate.WINDOWS).map(now::minus).toList(), now);
        for (int i = 0; i < BurnRate.WINDOWS.length; i++) {
            Duration window = BurnRate.WINDOWS[i];
            rates.put(BurnRate.label(window), BurnRate.of(inWindows.get(i), window, budget.amountUsd(), start, end));
        }
        Instant historyStart = BudgetStore.day(now).minusDays(28).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        Map<java.time.LocalDate, BigDecimal> daily = store.dailySpend(budget.scope(), historyStart, end);
        Forecast.Projection forecastUsd = Forecast.project(start, end, now, spentUsd, daily,
                store.firstSpend(budget.scope(), historyStart, now), forecastRules());
        BigDecimal percent = spentUsd.multiply(BigDecimal.valueOf(100)).divide(budget.amountUsd(), MathContext.DECIMAL64)
                .setScale(2, RoundingMode.HALF_UP);
        return new Status(budget, start, end, spentUsd, budget.amountUsd().subtract(spentUsd), percent, rates, forecastUsd,
                store.alerts(budget.id(), start));
    }

    /**
     * Each threshold crossed (and a forecast above the amount), once per period and amount: raising
     * the amount above every amount a threshold fired for re-arms it against the new amount; lowering
     * it does not repeat an alert already given.
     */
    void fireAlertsDue(Status status, Instant now) throws Exception {
        Budget budget = status.budget();
        for (BigDecimal threshold : budget.thresholds()) {
            BigDecimal at = budget.amountUsd().multiply(threshold).divide(BigDecimal.valueOf(100), MathContext.DECIMAL64);
            if (status.spentUsd().compareTo(at) >= 0 && !alreadyGiven(status, Money.plain(threshold))) {
                fireOnce(status, Money.plain(threshold), now);
            }
        }
        if (budget.alertOnForecast() && status.forecastHeld() == null && status.forecastUsd().compareTo(budget.amountUsd()) > 0
                && !alreadyGiven(status, FORECAST)) {
            fireOnce(status, FORECAST, now);
        }
    }

    /** An alert of this threshold was published this period for this amount or a higher one. */
    private static boolean alreadyGiven(Status status, String threshold) {
        return status.alerts().stream().anyMatch(a -> a.threshold().equals(threshold) && a.amountUsd().compareTo(status.budget().amountUsd()) >= 0);
    }

    private void fireOnce(Status status, String threshold, Instant now) throws Exception {
        byte[] alert = alertEvent(status, threshold, now);
        BudgetStore.Alert claim = new BudgetStore.Alert(threshold, now, status.spentUsd(), status.forecastUsd(), status.budget().amountUsd());
        boolean fired = store.publishAlertOnce(claim, status.budget().id(), status.periodStart(), () -> alertChannel.sendMessage(
                        Message.of(alert).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(status.budget().id().toString()).build()))
                .await().atMost(ALERT_ACK_TIMEOUT));
        if (!fired) {
            return;
        }
        LOG.infof("budget %s: alert %s (spent %s of %s USD, forecast %s)", status.budget().name(), threshold,
                Money.plain(status.spentUsd()), Money.plain(status.budget().amountUsd()), Money.plain(status.forecastUsd()));
        registry.counter("costmeter.budget.alerts.fired", "threshold", threshold).increment();
        config.budgets().webhookUrl().ifPresent(url -> post(url, alert));
    }

    private Forecast.Rules forecastRules() {
        CostmeterConfig.Budgets b = config.budgets();
        return new Forecast.Rules(b.forecastMinHistoryDays(), b.forecastMinObservation(), b.forecastAlertsAfterPeriodShare());
    }

    /** Best effort: the topic is the record; a webhook that is down is logged, not retried. */
    private void post(String url, byte[] alert) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/cloudevents+json").POST(HttpRequest.BodyPublishers.ofByteArray(alert)).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() >= 300) {
                LOG.warnf("budget alert webhook %s answered %d", url, response.statusCode());
            }
        } catch (Exception e) {
            LOG.warnf("budget alert webhook %s failed: %s", url, e.getMessage());
        }
    }

    static byte[] alertEvent(Status s, String threshold, Instant now) throws Exception {
        Budget b = s.budget();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("budgetId", b.id().toString());
        data.put("budgetName", b.name());
        data.put("scope", b.scope());
        data.put("period", b.period().id());
        data.put("threshold", threshold);
        data.putAll(s.figures());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("specversion", "1.0");
        event.put("id", "budget-alert:" + b.id() + ":" + s.periodStart() + ":" + threshold + ":" + Money.plain(b.amountUsd()));
        event.put("source", "costmeter");
        event.put("type", ALERT_TYPE);
        event.put("time", now.toString());
        event.put("subject", b.name());
        event.put("datacontenttype", "application/json");
        event.put("data", data);
        return JSON.writeValueAsBytes(event);
    }

    private static Map<Tags, BigDecimal> rows(List<Status> statuses, java.util.function.Function<Status, BigDecimal> value) {
        Map<Tags, BigDecimal> rows = new java.util.HashMap<>();
        statuses.forEach(s -> rows.put(tags(s), value.apply(s)));
        return rows;
    }

    private static Tags tags(Status s) {
        return Tags.of("budget", s.budget().name(), "period", s.budget().period().id());
    }
}
