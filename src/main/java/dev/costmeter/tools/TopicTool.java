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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Kafka from the launcher, without a Kafka distribution:
 * <ul>
 *   <li>{@code ./costmeter publish FILE|-}: each JSON value of the file (one per line or pretty-printed)
 *       as one record on {@code bedrock.usage};</li>
 *   <li>{@code ./costmeter dlq}: the DLQ's records with their reasons and origins;</li>
 *   <li>{@code ./costmeter read TOPIC}: any topic's records, e.g. {@code bedrock.usage.priced}.</li>
 * </ul>
 * {@code --bootstrap HOST:PORT} (default KAFKA_BOOTSTRAP_SERVERS or localhost:9092); {@code --follow}
 * keeps reading new records until interrupted; {@code --help} on each. Exit codes: 0 done, 2 usage error.
 */
public final class TopicTool {

    private final PrintStream out;
    private final PrintStream err;

    TopicTool(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new TopicTool(System.out, System.err).run(args, System.in));
    }

    int run(String[] args, InputStream stdin) {
        CommandLine commands = Commands.line(new Topics(), out, err)
                .addSubcommand(Commands.configure(new CommandLine(new PublishCommand(stdin)), out, err))
                .addSubcommand("dlq", Commands.configure(new CommandLine(new ReadCommand(DLQ)), out, err))
                .addSubcommand("read", Commands.configure(new CommandLine(new ReadCommand(null)), out, err));
        return Commands.execute(commands, args, err);
    }

    private static final String USAGE_TOPIC = "bedrock.usage";
    private static final String DLQ = "bedrock.usage.dlq";

    @Command(name = "costmeter", synopsisSubcommandLabel = "(publish | dlq | read)", description = "Kafka from the launcher.")
    static final class Topics extends Commands.NeedsSubcommand {
    }

    /** Where Kafka is. */
    static class Broker {
        @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka (default: KAFKA_BOOTSTRAP_SERVERS, else localhost:9092).")
        String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    }

    @Command(name = "publish",
            description = "Publishes each JSON value of the file (one per line or pretty-printed) as one record.")
    final class PublishCommand extends Broker implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Commands.Help help;

        private final InputStream stdin;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Where to (default: ${DEFAULT-VALUE}).")
        String topic = USAGE_TOPIC;

        @Parameters(paramLabel = "FILE|-", description = "Usage records in any accepted format; - reads standard input.")
        String input;

        PublishCommand(InputStream stdin) {
            this.stdin = stdin;
        }

        @Override
        public Integer call() throws IOException {
            return publish(bootstrap, topic, input, stdin);
        }
    }

    @Command(description = {"Prints a topic's records from the beginning with their origin and "
            + "reason headers: dlq reads the DLQ (bedrock.usage.dlq), read any topic."})
    final class ReadCommand extends Broker implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Commands.Help help;

        @Option(names = "--follow", description = "Keep reading new records until interrupted.")
        boolean follow;

        private final String fixedTopic;

        @Parameters(paramLabel = "TOPIC", arity = "0..1", description = "The topic to read, e.g. bedrock.usage.priced.")
        String topic;

        @Spec
        CommandSpec spec;

        ReadCommand(String fixedTopic) {
            this.fixedTopic = fixedTopic;
        }

        @Override
        public Integer call() {
            if (fixedTopic != null && topic != null) {
                return usage(spec.name() + ": reads " + fixedTopic + " only; for another topic: read " + topic);
            }
            String t = fixedTopic != null ? fixedTopic : topic;
            return t == null ? usage("read: name the topic, e.g. bedrock.usage.priced") : read(bootstrap, t, follow);
        }
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
        Acknowledgements acknowledgements = new Acknowledgements();
        // One request in flight: a new partition that refuses a first batch cannot take the next ones before it
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (JsonValues.Value value : values) {
                producer.send(new ProducerRecord<>(topic, value.text().getBytes(StandardCharsets.UTF_8)), acknowledgements);
            }
            producer.flush();
        }
        String problem = acknowledgements.problem(values.size());
        if (problem != null) {
            err.println("publish: " + problem);
            return 1;
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
