package dev.costmeter.tools;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kafka from the launcher, without a Kafka distribution:
 * <ul>
 *   <li>{@code ./costmeter publish FILE|-}: each JSON value of the file (one per line or pretty-printed)
 *       as one record on {@code bedrock.usage};</li>
 *   <li>{@code ./costmeter dlq}: the DLQ's records with their reasons and origins;</li>
 *   <li>{@code ./costmeter read TOPIC}: any topic's records, e.g. {@code bedrock.usage.priced}.</li>
 * </ul>
 * {@code --bootstrap HOST:PORT} (default KAFKA_BOOTSTRAP_SERVERS or localhost:9092); {@code --follow}
 * keeps reading new records until interrupted. Exit codes: 0 done, 2 usage error.
 */
public final class TopicTool {

    private final PrintStream out;
    private final PrintStream err;

    TopicTool(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) throws IOException {
        System.exit(new TopicTool(System.out, System.err).run(args, System.in));
    }

    int run(String[] args, InputStream stdin) throws IOException {
        if (args.length == 0) {
            err.println("usage: costmeter publish [--bootstrap HOST:PORT] [--topic T] FILE|-  |  dlq [--follow]  |  read TOPIC [--follow]");
            return 2;
        }
        String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        String topic = switch (args[0]) {
            case "publish" -> "bedrock.usage";
            case "dlq" -> "bedrock.usage.dlq";
            default -> null;
        };
        String input = null;
        boolean follow = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--topic" -> topic = args[++i];
                case "--follow" -> follow = true;
                default -> {
                    if (args[0].equals("read") && topic == null) {
                        topic = args[i];
                    } else if (args[0].equals("publish") && input == null) {
                        input = args[i];
                    } else {
                        err.println("unexpected argument: " + args[i]);
                        return 2;
                    }
                }
            }
        }
        return switch (args[0]) {
            case "publish" -> input == null ? usage("publish: give a file of events, or - for standard input") : publish(bootstrap, topic, input, stdin);
            case "dlq", "read" -> topic == null ? usage("read: name the topic, e.g. bedrock.usage.priced") : read(bootstrap, topic, follow);
            default -> usage("unknown command: " + args[0] + " (publish, dlq, read)");
        };
    }

    private int usage(String message) {
        err.println(message);
        return 2;
    }

    int publish(String bootstrap, String topic, String input, InputStream stdin) throws IOException {
        String text;
        if ("-".equals(input)) {
            text = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        } else if (Files.isReadable(Path.of(input))) {
            text = Files.readString(Path.of(input), StandardCharsets.UTF_8);
        } else {
            return usage("publish: " + input + ": no such file");
        }
        List<JsonValues.Value> values = JsonValues.split(text);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (JsonValues.Value value : values) {
                producer.send(new ProducerRecord<>(topic, value.text().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        err.println("published " + values.size() + " record(s) to " + topic + " at " + bootstrap
                + " (what became of them: ./costmeter dlq, GET /api/v1/pipeline/outcomes)");
        return 0;
    }

    /** Every record of the topic from the beginning (and new ones with --follow): origin, reason, value. */
    int read(String bootstrap, String topic, boolean follow) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                return usage("read: no topic " + topic + " at " + bootstrap);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long read = 0;
            while (follow || partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.println(describe(r));
                    read++;
                }
            }
            err.println(read + " record(s) in " + topic);
            return 0;
        }
    }

    static String describe(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder line = new StringBuilder(r.topic() + "/" + r.partition() + "@" + r.offset());
        for (String name : List.of("costmeter.origin", "costmeter.reason", "costmeter.rate-card-version", "costmeter.truncated")) {
            Header h = r.headers().lastHeader(name);
            if (h != null) {
                line.append("  ").append(name.substring("costmeter.".length())).append(": ").append(new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        String value = r.value() == null ? "(no value)" : new String(r.value(), StandardCharsets.UTF_8).replaceAll("\\s*\\n\\s*", " ");
        return line.append("\n    ").append(value.length() <= 2000 ? value : value.substring(0, 2000) + "…").toString();
    }
}
