package dev.costmeter.quarantine;

import dev.costmeter.aggregation.AggregateKey;
import dev.costmeter.aggregation.AggregateSums;
import dev.costmeter.aggregation.InteractionSums;
import dev.costmeter.aggregation.SpendAggregator;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.formats.UsageRecordDecoder;
import dev.costmeter.ingest.RecordDecoders;
import dev.costmeter.ingest.InvalidEventException;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.publish.PricedEventWriter;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.SpendLedger;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;

/**
 * Prices quarantined events again with the rate cards known now. Each one a card now covers is
 * charged exactly once: in one transaction it is locked (so concurrent runs skip it), removed from
 * quarantine, added to the aggregates, and moved from the unpriced to the priced count, so that
 * priced + duplicate + invalid + unpriced still equals the records read. Events still unpriced
 * keep their place with the current reason.
 */
@ApplicationScoped
public class QuarantineRepricer {

    @Inject
    RateCardCatalog catalog;
    @Inject
    SpendLedger ledger;
    @Inject
    UsageOutputs outputs;
    @Inject
    CostmeterConfig config;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    RecordDecoders decoders;

    private final Pricer pricer = new Pricer();
    private final PricedEventWriter writer = new PricedEventWriter();

    /** What a run did. */
    public record Result(long examined, long priced, long stillUnpriced, BigDecimal costUsd, Map<String, Long> stillUnpricedByReason,
                         Map<AggregateKey, AggregateSums> aggregates) {
    }

    private record Quarantined(UUID key, String payload) {
    }

    /** Call through {@link dev.costmeter.api.QuarantineResource}, which records the metrics once this commits. */
    @Transactional(rollbackOn = Exception.class)
    public Result reprice(String requestedBy, int limit) throws SQLException, UsageOutputs.OutputException {
        UsageRecordDecoder decoder = decoders.forRereading();
        SpendAggregator aggregator = new SpendAggregator(config.aggregation().bucket());
        RateCardTimeline timeline = catalog.timeline();
        List<Quarantined> quarantined = lockQuarantined(limit);

        Map<AggregateKey, AggregateSums> aggregates = new HashMap<>();
        Map<InteractionSums.Key, InteractionSums> interactions = new HashMap<>();
        List<UUID> priced = new ArrayList<>();
        List<UUID> stillUnpriced = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        Map<String, Long> byReason = new TreeMap<>();
        BigDecimal cost = BigDecimal.ZERO;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Quarantined q : quarantined) {
            byte[] value = q.payload().getBytes(StandardCharsets.UTF_8);
            PricingResult result;
            try {
                UsageEvent event = decoder.decode(value).event();
                result = pricer.price(event, timeline.cardAt(event.time()));
            } catch (InvalidEventException e) {
                throw new IllegalStateException("quarantined event " + q.key() + " no longer decodes: " + e.getMessage(), e);
            }
            if (result instanceof PricingResult.Priced p) {
                aggregator.add(aggregates, interactions, p.pricedEvent());
                priced.add(q.key());
                cost = cost.add(p.pricedEvent().totalUsd());
                sent.add(outputs.sendPricedSeparately(p.pricedEvent().event().id().getBytes(StandardCharsets.UTF_8),
                        writer.write(p.pricedEvent(), value)));
            } else {
                PricingResult.Unpriced u = (PricingResult.Unpriced) result;
                stillUnpriced.add(q.key());
                reasons.add(u.reason());
                versions.add(u.rateCardVersion());
                byReason.merge(u.reason(), 1L, Long::sum);
            }
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement delete = c.prepareStatement("delete from unpriced_event where event_key = any(?)");
             PreparedStatement update = c.prepareStatement("""
                     update unpriced_event u set reason = r.reason, rate_card_version = r.version
                     from unnest(?::uuid[], ?::text[], ?::text[]) as r(event_key, reason, version)
                     where u.event_key = r.event_key""");
             PreparedStatement run = c.prepareStatement(
                     "insert into reprice_run (requested_by, examined, priced, cost_usd) values (?, ?, ?, ?)")) {
            delete.setArray(1, c.createArrayOf("uuid", priced.toArray()));
            delete.executeUpdate();
            update.setArray(1, c.createArrayOf("uuid", stillUnpriced.toArray()));
            update.setArray(2, c.createArrayOf("text", reasons.toArray()));
            update.setArray(3, c.createArrayOf("text", versions.toArray()));
            update.executeUpdate();
            run.setString(1, requestedBy);
            run.setLong(2, quarantined.size());
            run.setLong(3, priced.size());
            run.setBigDecimal(4, cost);
            run.executeUpdate();
        }
        ledger.addAggregates(aggregates);
        ledger.addInteractions(interactions);
        ledger.moveUnpricedToPriced(priced.size());
        outputs.awaitAll(sent); // the priced events are on Kafka before the transaction commits
        return new Result(quarantined.size(), priced.size(), stillUnpriced.size(), cost, byReason, aggregates);
    }

    private List<Quarantined> lockQuarantined(int limit) throws SQLException {
        List<Quarantined> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("""
                     select event_key, payload from unpriced_event
                     order by quarantined_at, event_key limit ? for update skip locked""")) {
            select.setInt(1, limit);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Quarantined(rs.getObject(1, UUID.class), rs.getString(2)));
                }
            }
        }
        return rows;
    }
}
