package dev.costmeter.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.config.CostmeterConfig.PricedPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The priced topic's thread, with a sender that keeps what it is given (the producer's part is
 * tested against the real broker by the acceptance tests that read the priced topic).
 */
class PricedPublisherTest {

    final ObjectMapper json = new ObjectMapper();
    final List<String> sentKeys = Collections.synchronizedList(new ArrayList<>());
    final List<byte[]> sentValues = Collections.synchronizedList(new ArrayList<>());
    final List<RuntimeException> refused = Collections.synchronizedList(new ArrayList<>());
    PricedPublisher publisher;

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close(5_000);
        }
    }

    private PricedPublisher publisher(PricedPublisher.Sender sender) {
        publisher = new PricedPublisher(new PricedEventWriter(PricedPayload.LINES), sender, refused::add);
        return publisher;
    }

    private void keep(byte[] key, byte[] value) {
        sentKeys.add(new String(key, StandardCharsets.UTF_8));
        sentValues.add(value);
    }

    @Test
    void aCommitThatWaitsForItsHandOffFindsEveryEventSentInTheOrderHandedOver() throws Exception {
        PricedPublisher p = publisher(this::keep);
        int events = PricedPublisher.CHUNK_EVENTS * 3 + 17; // full chunks and a part
        for (int i = 0; i < events; i++) {
            p.publish(PricedEventWriterTest.priced("e-" + i, "bot", "t", null), new byte[0], "bedrock.usage", i % 4, 1000 + i);
        }
        p.handOff().awaitSent();

        assertThat(sentKeys).hasSize(events);
        for (int i = 0; i < events; i++) {
            assertThat(sentKeys.get(i)).isEqualTo("e-" + i);
            JsonNode record = json.readTree(sentValues.get(i));
            assertThat(record.get("id").asText()).isEqualTo("e-" + i);
            assertThat(record.get("data").get("origin").asText()).isEqualTo("bedrock.usage/" + (i % 4) + "@" + (1000 + i));
            assertThat(record.get("data").get("costUsd").asText()).isEqualTo("0.00000000175");
        }
        assertThat(refused).isEmpty();
    }

    @Test
    void aFullChunkGoesOutWithoutWaitingForTheNextHandOff() throws Exception {
        CountDownLatch firstChunk = new CountDownLatch(PricedPublisher.CHUNK_EVENTS);
        PricedPublisher p = publisher((key, value) -> {
            keep(key, value);
            firstChunk.countDown();
        });
        for (int i = 0; i < PricedPublisher.CHUNK_EVENTS + 1; i++) {
            p.publish(PricedEventWriterTest.priced("e-" + i, "bot", "t", null), new byte[0], "u", 0, i);
        }
        assertThat(firstChunk.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200); // the last event waits for a hand-off
        assertThat(sentKeys).hasSize(PricedPublisher.CHUNK_EVENTS);

        p.handOff().awaitSent();
        assertThat(sentKeys).hasSize(PricedPublisher.CHUNK_EVENTS + 1).last().isEqualTo("e-" + PricedPublisher.CHUNK_EVENTS);
    }

    @Test
    void aRecordTheProducerRefusesIsReportedAndTheOthersStillGo() throws Exception {
        PricedPublisher p = publisher((key, value) -> {
            if (new String(key, StandardCharsets.UTF_8).equals("e-1")) {
                throw new IllegalStateException("Cannot perform operation after producer has been closed");
            }
            keep(key, value);
        });
        for (int i = 0; i < 3; i++) {
            p.publish(PricedEventWriterTest.priced("e-" + i, "bot", "t", null), new byte[0], "u", 0, i);
        }
        p.handOff().awaitSent();

        assertThat(sentKeys).containsExactly("e-0", "e-2");
        assertThat(refused).singleElement().extracting(Throwable::getMessage).asString().contains("producer has been closed");
    }

    @Test
    void aCommitWaitsForItsOwnEventsOnlyAndNotForever() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PricedPublisher p = publisher((key, value) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            keep(key, value);
        });
        PricedPublisher.HandedOver nothingYet = p.handOff();
        nothingYet.awaitSent(); // no events handed over: nothing to wait for

        p.publish(PricedEventWriterTest.priced("e-0", "bot", "t", null), new byte[0], "u", 0, 0);
        p.handOff();
        assertThatThrownBy(() -> p.awaitSent(1, TimeUnit.MILLISECONDS.toNanos(200)))
                .isInstanceOf(UsageOutputs.OutputException.class)
                .hasMessageContaining("priced events not handed to Kafka within 200 ms (0 of 1)")
                .cause().isInstanceOf(org.apache.kafka.common.errors.RetriableException.class); // waited for, not blamed on the batch

        release.countDown();
        p.awaitSent(1, TimeUnit.SECONDS.toNanos(10));
        assertThat(sentKeys).containsExactly("e-0");
    }

    @Test
    void aStoppedPublisherFailsCommitsAndHandOffsAtOnceInsteadOfHangingThem() throws Exception {
        PricedPublisher p = publisher((key, value) -> {
            throw new OutOfMemoryError("Java heap space (thrown by the test)");
        });
        p.publish(PricedEventWriterTest.priced("e-0", "bot", "t", null), new byte[0], "u", 0, 0);
        PricedPublisher.HandedOver first = p.handOff();

        assertThatThrownBy(first::awaitSent).isInstanceOf(UsageOutputs.OutputException.class)
                .hasMessageContaining("the priced-event publisher stopped").hasMessageContaining("Java heap space")
                .cause().isInstanceOf(PricedPublisher.Stopped.class); // only a restart mends it (CommitFailure: fatal)
        assertThat(p.stopped()).isInstanceOf(OutOfMemoryError.class);
        // nobody takes chunks any more: once the queue is full, handing over fails instead of blocking the ingest thread
        assertThatThrownBy(() -> {
            for (int i = 0; i <= (PricedPublisher.CHUNKS_WAITING + 1) * PricedPublisher.CHUNK_EVENTS; i++) {
                p.publish(PricedEventWriterTest.priced("e-" + i, "bot", "t", null), new byte[0], "u", 0, i);
            }
        }).isInstanceOf(PricedPublisher.Stopped.class).hasMessageContaining("the priced-event publisher stopped");
    }

    @Test
    void closingSendsWhatWasHandedOverFirst() {
        PricedPublisher p = publisher(this::keep);
        for (int i = 0; i < 10; i++) {
            p.publish(PricedEventWriterTest.priced("e-" + i, "bot", "t", null), new byte[0], "u", 0, i);
        }
        p.handOff();
        p.close(5_000);

        assertThat(sentKeys).hasSize(10);
        assertThat(p.stopped()).hasMessage("closed");
        assertThatThrownBy(() -> {
            p.publish(PricedEventWriterTest.priced("late", "bot", "t", null), new byte[0], "u", 0, 10);
            p.handOff().awaitSent();
        }).isInstanceOf(UsageOutputs.OutputException.class).hasMessageContaining("stopped");
    }
}
