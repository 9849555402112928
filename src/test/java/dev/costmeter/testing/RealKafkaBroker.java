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
                .withControllerPort(freePort()) // not port 0: see freePort
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

    /**
     * A port nothing listens on, for a process started next to bind, below the kernel's ephemeral
     * range and never the same twice in this JVM. A port from the ephemeral range (what binding port 0
     * gives) can be taken by any outgoing connection — a Kafka or JDBC client of another instance —
     * before the process meant to listen on it binds, or while it restarts: bench/scale's fourth
     * instance once failed with "Port … seems to be in use" that way.
     */
    public static int freePort() {
        int low = 20_000;
        int high = ephemeralRangeStart() - 1;
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; high - low >= 1_000 && attempt < 1_000; attempt++) {
            int port = low + random.nextInt(high - low + 1);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress(port));
                return port;
            } catch (IOException inUse) {
                // someone listens there: try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) { // no room below the ephemeral range on this machine
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The first port the kernel hands out for outgoing connections (Linux: ip_local_port_range). */
    private static int ephemeralRangeStart() {
        try {
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }
}
