package dev.costmeter.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * A real Kafka broker (KRaft, broker and controller) in the test JVM: the same broker code as a
 * production cluster, on a free port, with fresh storage per run.
 */
public class RealKafkaBroker implements QuarkusTestResourceLifecycleManager {

    private EmbeddedKafkaBroker broker;

    public static EmbeddedKafkaBroker startBroker() {
        return new EmbeddedKafkaBroker()
                .withKafkaPort(freePort())
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(p -> p.put("num.partitions", "4"))
                .start();
    }

    public static String bootstrapServers(EmbeddedKafkaBroker broker) {
        return broker.getAdvertisedListeners().replaceAll("[A-Z_]+://", "");
    }

    @Override
    public Map<String, String> start() {
        broker = startBroker();
        return Map.of("costmeter.kafka.bootstrap-servers", bootstrapServers(broker));
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
