package dev.costmeter.publish;

import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.ingest.KafkaClients;
import dev.costmeter.pricing.PricingResult;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Kafka outputs of a flush: priced events to {@code bedrock.usage.priced}, unpriceable events to
 * the quarantine topic, invalid records to the DLQ. Sent and acknowledged before the flush commits,
 * so nothing committed is missing from them (at-least-once, keyed by event id).
 */
@Startup // a producer that cannot be built should stop startup, not the first flush
@ApplicationScoped
public class UsageOutputs {

    public static final String REASON_HEADER = "costmeter.reason";
    public static final String RATE_CARD_HEADER = "costmeter.rate-card-version";
    public static final String ORIGIN_HEADER = "costmeter.origin";

    private final CostmeterConfig.Topics topics;
    private final boolean publishPriced;
    private final KafkaProducer<byte[], byte[]> producer;
    private final PricedEventWriter writer = new PricedEventWriter();

    @Inject
    public UsageOutputs(CostmeterConfig config, KafkaClients kafka) {
        this.topics = config.topics();
        this.publishPriced = config.ingest().publishPricedEvents();
        this.producer = kafka.outputProducer();
    }

    /** Sends everything and waits until the broker has acknowledged all of it. */
    public void publishAndAwait(BatchSummary summary) throws OutputException {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback onAck = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
        if (publishPriced) {
            for (PendingBatch.Accepted a : summary.priced()) {
                PricingResult.Priced priced = (PricingResult.Priced) a.result();
                byte[] key = priced.pricedEvent().event().id().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topics.priced(), key, writer.write(priced.pricedEvent(), a.record().value())), onAck);
            }
        }
        for (PendingBatch.Accepted a : summary.unpriced()) {
            PricingResult.Unpriced unpriced = (PricingResult.Unpriced) a.result();
            Headers headers = copyWithOrigin(a.record(), unpriced.reason());
            if (unpriced.rateCardVersion() != null) {
                headers.add(RATE_CARD_HEADER, unpriced.rateCardVersion().getBytes(StandardCharsets.UTF_8));
            }
            producer.send(new ProducerRecord<>(topics.unpriced(), null, a.record().key(), a.record().value(), headers), onAck);
        }
        for (PendingBatch.Rejected r : summary.invalid()) {
            producer.send(new ProducerRecord<>(topics.dlq(), null, r.record().key(), r.record().value(),
                    copyWithOrigin(r.record(), r.reason())), onAck);
        }
        producer.flush();
        if (failure.get() != null) {
            throw new OutputException("Kafka did not acknowledge the flush's output records: " + failure.get().getMessage(), failure.get());
        }
    }

    /** The original headers, plus why the record is here and where it came from. */
    private static Headers copyWithOrigin(ConsumerRecord<byte[], byte[]> record, String reason) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(ORIGIN_HEADER, (record.topic() + "/" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    public void close() {
        producer.close();
    }

    /** The broker did not take a flush's output; the flush is rolled back and retried. */
    public static class OutputException extends Exception {
        public OutputException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
