package dev.costmeter.publish;

import dev.costmeter.aggregation.BatchSummary;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.kafka.KafkaClients;
import dev.costmeter.pricing.PricingResult;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Kafka outputs: priced events to {@code bedrock.usage.priced} (sent by the ingest loop as it
 * prices them), unpriceable events to the quarantine topic, invalid records to the DLQ. Everything
 * is acknowledged before a commit, so nothing committed is missing from them (at-least-once).
 */
@Startup // a producer that cannot be built should stop startup, not the first flush
@ApplicationScoped
public class UsageOutputs {

    private final CostmeterConfig.Topics topics;
    private final OutputCopies copies;
    private final KafkaProducer<byte[], byte[]> producer;
    private final FailureLatch failures = new FailureLatch();

    /** Remembers the first failed send until someone takes it. */
    private static final class FailureLatch implements Callback {
        private final AtomicReference<Exception> first = new AtomicReference<>();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception e) {
            if (e != null) {
                first.compareAndSet(null, e);
            }
        }

        Exception take() {
            return first.getAndSet(null);
        }
    }

    @Inject
    public UsageOutputs(CostmeterConfig config, KafkaClients kafka) {
        this.topics = config.topics();
        this.producer = kafka.outputProducer();
        this.copies = new OutputCopies(config.outputs().maxRecordBytes());
    }

    /**
     * Sends a priced event as soon as it is priced (from the ingest loop's {@link PricedPublisher}),
     * so that batches do not hold them. The next commit waits for it; an event charged in an earlier
     * batch may be sent again: the priced topic is at-least-once, keyed by event id.
     */
    public void sendPriced(byte[] eventId, byte[] pricedRecord) {
        producer.send(new ProducerRecord<>(topics.priced(), eventId, pricedRecord), failures);
    }

    /** A priced event the producer refused outright ({@code send} threw): the next commit fails, as for a failed acknowledgement. */
    public void pricedSendFailed(RuntimeException e) {
        failures.onCompletion(null, e);
    }

    /**
     * Sends a priced event from outside the ingest loop (re-pricing the quarantine). Its failure does
     * not go to the ingest loop's latch: the caller waits for this acknowledgement itself.
     */
    public Future<RecordMetadata> sendPricedSeparately(byte[] eventId, byte[] pricedRecord) {
        return producer.send(new ProducerRecord<>(topics.priced(), eventId, pricedRecord));
    }

    /** Waits for acknowledgements of {@link #sendPricedSeparately} records. */
    public void awaitAll(List<Future<RecordMetadata>> sent) throws OutputException {
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new OutputException("Kafka did not acknowledge a priced event: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OutputException("interrupted while waiting for Kafka", e);
            }
        }
    }

    /**
     * Starts sending a batch's quarantine and DLQ records; they go out while the caller writes to
     * PostgreSQL. Call {@link #awaitAcknowledged()} before committing.
     */
    public void send(BatchSummary<ConsumerRecord<byte[], byte[]>> summary) {
        for (PendingBatch.Unpriced<ConsumerRecord<byte[], byte[]>> a : summary.unpriced()) {
            PricingResult.Unpriced unpriced = a.result();
            producer.send(copies.of(topics.unpriced(), a.record(), unpriced.reason(), unpriced.rateCardVersion()), failures);
        }
        for (PendingBatch.Rejected<ConsumerRecord<byte[], byte[]>> r : summary.invalid()) {
            producer.send(copies.of(topics.dlq(), r.record(), r.reason(), null), failures);
        }
        for (PendingBatch.Rejected<ConsumerRecord<byte[], byte[]>> r : summary.conflicts()) {
            producer.send(copies.of(topics.dlq(), r.record(), r.reason(), null), failures);
        }
    }

    /** Waits until the broker has acknowledged every record sent so far, or says why it did not. */
    public void awaitAcknowledged() throws OutputException {
        producer.flush();
        Exception failure = failures.take();
        if (failure != null) {
            throw new OutputException("Kafka did not acknowledge output records: " + failure.getMessage(), failure);
        }
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
