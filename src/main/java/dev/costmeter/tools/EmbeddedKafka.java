package dev.costmeter.tools;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A single-node KRaft broker for trying costmeter on a machine without Kafka:
 * {@code ./costmeter serve} and {@code ./costmeter dev} run it in a process of their own when
 * {@code KAFKA_BOOTSTRAP_SERVERS} is unset. Not for production. Its jars (the broker, Scala) are
 * {@code provided} in the pom: on the test class path and in {@code target/embedded-kafka}, never in
 * the service's artifact or image.
 *
 * <pre>java -cp 'target/embedded-kafka/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*' \
 *     dev.costmeter.tools.EmbeddedKafka PORT DATA_DIR PARTITIONS</pre>
 */
public final class EmbeddedKafka {

    private EmbeddedKafka() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: EmbeddedKafka PORT DATA_DIR PARTITIONS");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path dataDir = Path.of(args[1]).toAbsolutePath();
        String partitions = args[2];
        Files.createDirectories(dataDir);
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker()
                .withKafkaPort(port)
                .withClusterId("costmeter-embedded-kafka")
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(p -> {
                    p.put("log.dirs", dataDir.toString());
                    p.put("num.partitions", partitions);
                })
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "embedded-kafka-stop"));
        System.err.printf("embedded Kafka broker on %s (data in %s); not for production%n",
                broker.getAdvertisedListeners().replaceAll("[A-Z_]+://", ""), dataDir);
        stopped.await();
    }
}
