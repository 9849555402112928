package dev.costmeter.testing;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real KRaft broker in the test JVM that a fault test can stop and start again on the same ports
 * (client and controller) with the same log: the service sees the broker go away and come back, and
 * nothing in the topics is lost.
 */
public final class RestartableKafkaBroker implements AutoCloseable {

    private final int port = RealKafkaBroker.freePort();
    /** Fixed as well: left to the companion, each start would take a new one from port 0 (see freePort). */
    private final int controllerPort = RealKafkaBroker.freePort();
    private final Path logDir;
    private EmbeddedKafkaBroker broker;
    private String bootstrapServers;

    private RestartableKafkaBroker(Path logDir) {
        this.logDir = logDir;
    }

    public static RestartableKafkaBroker start() {
        try {
            RestartableKafkaBroker b = new RestartableKafkaBroker(Files.createTempDirectory("costmeter-restartable-kafka-"));
            b.startAgain();
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void startAgain() {
        broker = new EmbeddedKafkaBroker()
                .withKafkaPort(port)
                .withControllerPort(controllerPort)
                .withClusterId("costmeter-restartable-kafka")
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(p -> {
                    p.put("log.dirs", logDir.toString());
                    p.put("num.partitions", "4");
                })
                .start();
        bootstrapServers = broker.getAdvertisedListeners().replaceAll("[A-Z_]+://", "");
        awaitServing();
    }

    /**
     * Waits until the broker takes an acknowledged write from a new idempotent producer (a producer
     * id from the controller, a partition leader): a started broker is not yet a serving one, and
     * a test's own records sent in between could wait out their delivery timeout.
     */
    private void awaitServing() {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> probe = new org.apache.kafka.clients.producer.KafkaProducer<>(
                    java.util.Map.of(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                            org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                            org.apache.kafka.clients.producer.ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                            org.apache.kafka.clients.producer.ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000),
                    new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                probe.send(new org.apache.kafka.clients.producer.ProducerRecord<>(READY_PROBE_TOPIC, new byte[0])).get();
                return;
            } catch (Exception e) {
                last = e;
            }
        }
        throw new IllegalStateException("the broker on " + bootstrapServers + " started but did not take a write within 90 s", last);
    }

    /** Where {@link #awaitServing} writes (created on first use); no test reads it. */
    public static final String READY_PROBE_TOPIC = "test-broker-ready-probe";

    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(logDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
