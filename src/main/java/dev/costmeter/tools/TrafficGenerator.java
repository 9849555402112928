package dev.costmeter.tools;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * Publishes synthetic Bedrock usage to Kafka, so costs appear on a fresh install:
 * {@code ./costmeter generate [--events N] [--rate PER_SECOND] [--bootstrap HOST:PORT] [--topic T]}.
 */
@Command(name = "generate",
        description = "Publishes synthetic Bedrock usage from ten applications, so costs appear on a fresh install.")
public final class TrafficGenerator implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Commands.Help help;


    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka (default: KAFKA_BOOTSTRAP_SERVERS, else localhost:9092).")
    String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    @Option(names = "--topic", paramLabel = "TOPIC", description = "Where to (default: ${DEFAULT-VALUE}).")
    String topic = "bedrock.usage";
    @Option(names = "--events", paramLabel = "N", description = "How many events (default: ${DEFAULT-VALUE}).")
    long events = 10_000;
    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "Events per second, 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
    long rate = 1_000;

    public static void main(String[] args) {
        System.exit(Commands.execute(Commands.line(new TrafficGenerator(), System.out, System.err), args, System.err));
    }

    @Override
    public Integer call() {
        if (events < 0 || rate < 0) {
            System.err.println("generate: --events and --rate must be 0 or more");
            return 2;
        }
        // Spread the events' times like the stream's own rate, ending now.
        long nanosBetween = rate > 0 ? 1_000_000_000L / rate : 10_000;
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusNanos(events * nanosBetween);
        SyntheticUsage usage = new SyntheticUsage(42, UUID.randomUUID().toString().substring(0, 8), start, nanosBetween);
        Acknowledgements acknowledgements = new Acknowledgements();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 131072,
                // one request in flight: a new partition that refuses a first batch cannot take the next ones before it
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new ByteArraySerializer(), new ByteArraySerializer())) {
            long began = System.nanoTime();
            for (long i = 0; i < events; i++) {
                if (rate > 0) {
                    long due = began + i * 1_000_000_000L / rate;
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                producer.send(new ProducerRecord<>(topic, usage.id(i).getBytes(StandardCharsets.UTF_8),
                        usage.event(i).getBytes(StandardCharsets.UTF_8)), acknowledgements);
                if ((i + 1) % 10_000 == 0) {
                    System.out.printf("published %,d events%n", i + 1);
                }
            }
            producer.flush();
            String problem = acknowledgements.problem(events);
            if (problem != null) {
                System.err.println("generate: " + problem);
                return 1;
            }
            System.out.printf("published %,d usage events to %s at %s in %.1f s%n", events, topic, bootstrap,
                    (System.nanoTime() - began) / 1e9);
        }
        return 0;
    }
}
