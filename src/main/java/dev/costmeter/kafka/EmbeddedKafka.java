package dev.costmeter.kafka;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * A single-node KRaft broker for trying costmeter on a machine without Kafka:
 * {@code ./costmeter serve} and {@code ./costmeter dev} run it in a process of their own when
 * {@code KAFKA_BOOTSTRAP_SERVERS} is unset. Not for production. Its jars (the broker, Scala) are
 * {@code provided} in the pom: on the test class path and in {@code target/embedded-kafka}, never in
 * the service's artifact or image.
 *
 * <pre>java -cp 'target/embedded-kafka/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*' \
 *     dev.costmeter.kafka.EmbeddedKafka PORT DATA_DIR PARTITIONS</pre>
 */
@Command(name = "embedded-kafka",
        description = "A single-node KRaft broker for trying costmeter out; not for production.")
public final class EmbeddedKafka implements Callable<Integer> {
    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;


    @Parameters(index = "0", paramLabel = "PORT")
    int port;
    @Parameters(index = "1", paramLabel = "DATA_DIR", description = "Where the broker keeps its log, across restarts.")
    Path dataDir;
    @Parameters(index = "2", paramLabel = "PARTITIONS", description = "Partitions of the topics it creates.")
    int partitions;

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new EmbeddedKafka()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dataDir = this.dataDir.toAbsolutePath();
        Files.createDirectories(dataDir);
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker()
                .withKafkaPort(port)
                .withClusterId("costmeter-embedded-kafka")
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(p -> {
                    p.put("log.dirs", dataDir.toString());
                    p.put("num.partitions", String.valueOf(partitions));
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
        return 0;
    }
}
