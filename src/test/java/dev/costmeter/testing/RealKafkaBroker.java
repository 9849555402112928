package dev.costmeter.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A real Kafka broker for the acceptance tests. By default a KRaft broker (broker and controller)
 * inside the test JVM: the same broker code as a production cluster, on a free port, with fresh
 * storage per run. Where a Docker engine exists, {@code -Dcostmeter.test.kafka=testcontainers} (or
 * {@code auto}, when a Docker socket is present) runs Kafka in a container with Testcontainers instead.
 */
public class RealKafkaBroker implements QuarkusTestResourceLifecycleManager {

    public static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

    /** A running broker. */
    public interface Broker extends AutoCloseable {
        String bootstrapServers();

        @Override
        void close();
    }

    private Broker broker;

    public static Broker startBroker() {
        String choice = System.getProperty("costmeter.test.kafka", System.getenv().getOrDefault("COSTMETER_TEST_KAFKA", "auto"))
                .toLowerCase(Locale.ROOT);
        boolean containers = switch (choice) {
            case "testcontainers" -> true;
            case "embedded" -> false;
            case "auto" -> dockerSocketPresent() && DockerClientFactory.instance().isDockerAvailable();
            default -> throw new IllegalArgumentException("costmeter.test.kafka must be embedded, testcontainers or auto, was " + choice);
        };
        return containers ? inContainer() : inThisJvm();
    }

    private static Broker inThisJvm() {
        EmbeddedKafkaBroker embedded = new EmbeddedKafkaBroker()
                .withKafkaPort(freePort())
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(p -> p.put("num.partitions", "4"))
                .start();
        String servers = embedded.getAdvertisedListeners().replaceAll("[A-Z_]+://", "");
        return new Broker() {
            public String bootstrapServers() {
                return servers;
            }

            public void close() {
                embedded.close();
            }
        };
    }

    private static Broker inContainer() {
        KafkaContainer container = new KafkaContainer(KAFKA_IMAGE).withEnv("KAFKA_NUM_PARTITIONS", "4");
        container.start();
        return new Broker() {
            public String bootstrapServers() {
                return container.getBootstrapServers();
            }

            public void close() {
                container.stop();
            }
        };
    }

    private static boolean dockerSocketPresent() {
        return System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    }

    @Override
    public Map<String, String> start() {
        broker = startBroker();
        return Map.of("costmeter.kafka.bootstrap-servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
