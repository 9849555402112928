package dev.costmeter.reconcile;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.decoding.Attribution;
import dev.costmeter.decoding.RecordDecoders;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Money;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.ReconciliationRows;
import dev.costmeter.storage.ReconciliationRunRow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs a reconciliation: reads the bill, sums the aggregates of the same days, classifies every
 * difference, keeps the run (who, when, which file, summary, report, draft rate card) and moves the
 * reconciliation gauges to it.
 */
@ApplicationScoped
public class ReconciliationService {

    /** Runs are kept as JSON with every amount a decimal string (exact for any reader), dates in ISO form. */
    public static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .addModule(new SimpleModule().addSerializer(BigDecimal.class, new JsonSerializer<>() {
                @Override
                public void serialize(BigDecimal value, JsonGenerator json, SerializerProvider provider) throws IOException {
                    json.writeString(Money.plain(value));
                }
            }))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    @Inject
    CostmeterConfig config;
    @Inject
    RateCardCatalog catalog;
    @Inject
    RecordDecoders decoders;
    @Inject
    ReconciliationRows rows;
    @Inject
    ReconciliationGauges gauges;

    private final Clock clock = Clock.systemUTC();

    /** A request's range was wrong; the message says how. */
    public static final class BadRange extends Exception {
        public BadRange(String message) {
            super(message);
        }
    }

    /** What one run found, as kept. */
    public record Run(long id, Instant runAt, String runBy, String billFile, String billFormat, LocalDate from, LocalDate to,
                      Summary summary, Reconciler.Report report, String draftRateCard) {
    }

    /** The totals of a run: the bill's lines read, the costs on both sides, and each classification's totals. */
    public record Summary(long bedrockLines, long otherServiceLines, long nonUsageBedrockLines, BigDecimal nonUsageBedrockCostUsd,
                          boolean bySource, BigDecimal billedCostUsd, BigDecimal meteredCostUsd, BigDecimal differenceUsd,
                          BigDecimal toleranceUsd, Map<Reconciler.Classification, Reconciler.Totals> byClassification) {
    }

    /**
     * @param from first UTC day, or null for the bill's first day
     * @param to   the day after the last, or null for the end of the month of the bill's last day (at most tomorrow)
     */
    public Run reconcile(Path file, String name, LocalDate from, LocalDate to, String runBy) throws Exception {
        BillReader.Bill bill = BillReader.read(file, name, catalog.timeline().cardAt(clock.instant()).currency());
        LocalDate firstDay = bill.sums().stream().map(BillReader.BillSum::day).min(Comparator.naturalOrder()).orElseThrow();
        LocalDate lastDay = bill.sums().stream().map(BillReader.BillSum::day).max(Comparator.naturalOrder()).orElseThrow();
        LocalDate tomorrow = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1);
        LocalDate start = from != null ? from : firstDay;
        LocalDate end = to != null ? to : min(lastDay.withDayOfMonth(1).plusMonths(1), tomorrow);
        if (!start.isBefore(end)) {
            throw new BadRange("from (" + start + ") must be before to (" + end + ")");
        }
        if (end.toEpochDay() - start.toEpochDay() > 93) {
            throw new BadRange("at most 93 days at a time; " + start + " to " + end + " is " + (end.toEpochDay() - start.toEpochDay()));
        }
        List<BillReader.BillSum> inRange = bill.sums().stream().filter(s -> !s.day().isBefore(start) && s.day().isBefore(end)).toList();
        BillReader.Bill ranged = new BillReader.Bill(bill.format(), inRange, bill.bedrockLines(), bill.otherServiceLines(),
                bill.nonUsageBedrockLines(), bill.nonUsageBedrockCost(), bill.hasPrincipals());
        List<Dimension> tokens = Arrays.stream(Dimension.values()).filter(d -> UsageType.billDimension(d) != null).toList();
        List<ReconciliationRows.DaySum> metered = rows.metered(start, end, tokens);
        Attribution attribution = decoders.attribution();
        CostmeterConfig.Reconciliation settings = config.reconciliation();
        LocalDate billedThrough = inRange.stream().map(BillReader.BillSum::day).max(Comparator.naturalOrder()).orElse(lastDay);
        Reconciler.Report report = Reconciler.reconcile(ranged, catalog.timeline()::cardAt, principal -> attribution.source(null, principal),
                metered, rows.quarantined(start, end), new Reconciler.Options(settings.toleranceUsd(), settings.billingLagDays(), billedThrough));

        Summary summary = new Summary(bill.bedrockLines(), bill.otherServiceLines(), bill.nonUsageBedrockLines(), bill.nonUsageBedrockCost(),
                bill.hasPrincipals(), report.billedCost(), report.meteredCost(), report.billedCost().subtract(report.meteredCost()),
                settings.toleranceUsd(), new TreeMap<>(report.totals()));
        Instant runAt = clock.instant();
        ReconciliationRunRow row = new ReconciliationRunRow();
        row.runAt = runAt;
        row.runBy = runBy;
        row.billFile = name;
        row.billFormat = bill.format().label();
        row.fromDay = start;
        row.toDay = end;
        row.billedCostUsd = report.billedCost();
        row.meteredCostUsd = report.meteredCost();
        row.summary = JSON.writeValueAsString(summary);
        row.report = JSON.writeValueAsString(report);
        QuarkusTransaction.requiringNew().run(() -> {
            row.persist(); // the draft card's version names the run
            row.draftRateCard = draftCard(report.corrections(), row.id, name);
        });
        gauges.show(summary);
        return new Run(row.id, runAt, runBy, name, row.billFormat, start, end, summary, report, row.draftRateCard);
    }

    /** The runs, newest first, without their reports. */
    public List<ReconciliationRunRow> runs(int limit) {
        return QuarkusTransaction.requiringNew().call(() -> ReconciliationRunRow.<ReconciliationRunRow>find("order by id desc").page(0, limit).list());
    }

    public Optional<ReconciliationRunRow> run(long id) {
        return QuarkusTransaction.requiringNew().call(() -> ReconciliationRunRow.<ReconciliationRunRow>findByIdOptional(id));
    }

    /** A kept run, read back whole (for the text report). */
    public Optional<Run> readRun(long id) throws Exception {
        Optional<ReconciliationRunRow> found = run(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ReconciliationRunRow row = found.get();
        return Optional.of(new Run(row.id, row.runAt, row.runBy, row.billFile, row.billFormat, row.fromDay, row.toDay,
                JSON.readValue(row.summary, Summary.class), JSON.readValue(row.report, Reconciler.Report.class), row.draftRateCard));
    }

    /** The newest run's summary, read back as it was written (for the gauges after a restart). */
    public Optional<Summary> lastSummary() throws Exception {
        List<ReconciliationRunRow> last = runs(1);
        return last.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(last.get(0).summary, Summary.class));
    }

    private String draftCard(List<Reconciler.PriceCorrection> corrections, long runId, String billFile) {
        if (corrections.isEmpty()) {
            return null;
        }
        String version = corrections.get(corrections.size() - 1).rateCardVersion();
        return catalog.version(version).map(v -> DraftRateCard.write(v.definition(), version + "-reconciled-" + runId,
                "run " + runId + " on " + billFile + ", version " + version,
                corrections.stream().filter(c -> c.rateCardVersion().equals(version)).toList())).orElse(null);
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }
}
