package dev.costmeter.quarantine;

import dev.costmeter.aggregation.AggregateKey;
import dev.costmeter.aggregation.AggregateSums;
import dev.costmeter.aggregation.InteractionSums;
import dev.costmeter.aggregation.SpendAggregator;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.decoding.RecordDecoders;
import dev.costmeter.metering.RecordPricing;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.publish.PricedEventWriter;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.QuarantinedEventRow;
import dev.costmeter.storage.RepriceRunRow;
import dev.costmeter.storage.SpendLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
    RecordDecoders decoders;

    /** The reason a quarantined event gets when this version cannot read it at all. */
    public static final String NO_LONGER_DECODES = "no longer decodes, so it is not priced: ";

    /** What a run did. */
    public record Result(long examined, long priced, long stillUnpriced, BigDecimal costUsd, Map<String, Long> stillUnpricedByReason,
                         Map<AggregateKey, AggregateSums> aggregates) {
    }

    /** The caller records the metrics once this has committed (the API does). */
    @Transactional(rollbackOn = Exception.class)
    public Result reprice(String requestedBy, int limit) throws SQLException, UsageOutputs.OutputException {
        RecordPricing pricing = new RecordPricing(decoders.forRereading());
        PricedEventWriter writer = new PricedEventWriter(config.outputs().pricedPayload());
        SpendAggregator aggregator = new SpendAggregator(config.aggregation().bucket());
        RateCardTimeline timeline = catalog.timeline();
        List<QuarantinedEventRow> quarantined = QuarantinedEventRow.lockOldest(limit);

        Map<AggregateKey, AggregateSums> aggregates = new HashMap<>();
        Map<InteractionSums.Key, InteractionSums> interactions = new HashMap<>();
        long priced = 0;
        long stillUnpriced = 0;
        Map<String, Long> byReason = new TreeMap<>();
        BigDecimal cost = BigDecimal.ZERO;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (QuarantinedEventRow q : quarantined) {
            byte[] value = q.payload.getBytes(StandardCharsets.UTF_8);
            PricingResult result;
            try {
                result = pricing.price(value, timeline).result();
            } catch (InvalidEventException e) {
                // Quarantined by an earlier version whose reading was laxer (e.g. a field given twice):
                // it stays here with the reason, never priced on a guess, and does not stop the others.
                q.reason = NO_LONGER_DECODES + e.getMessage();
                stillUnpriced++;
                byReason.merge(q.reason, 1L, Long::sum);
                continue;
            }
            if (result instanceof PricingResult.Priced p) {
                aggregator.add(aggregates, interactions, p.pricedEvent());
                q.delete();
                priced++;
                cost = cost.add(p.pricedEvent().totalUsd());
                sent.add(outputs.sendPricedSeparately(p.pricedEvent().event().id().getBytes(StandardCharsets.UTF_8),
                        writer.write(p.pricedEvent(), value)));
            } else {
                PricingResult.Unpriced u = (PricingResult.Unpriced) result;
                q.reason = u.reason(); // written when the transaction commits
                q.rateCardVersion = u.rateCardVersion();
                stillUnpriced++;
                byReason.merge(u.reason(), 1L, Long::sum);
            }
        }
        RepriceRunRow run = new RepriceRunRow();
        run.requestedBy = requestedBy;
        run.examined = quarantined.size();
        run.priced = priced;
        run.costUsd = cost;
        run.persist();
        ledger.addAggregates(aggregates);
        ledger.addInteractions(interactions);
        ledger.moveUnpricedToPriced(priced);
        outputs.awaitAll(sent); // the priced events are on Kafka before the transaction commits
        return new Result(quarantined.size(), priced, stillUnpriced, cost, byReason, aggregates);
    }
}
