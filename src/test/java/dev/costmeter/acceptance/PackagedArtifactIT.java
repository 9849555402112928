package dev.costmeter.acceptance;

import dev.costmeter.testing.PackagedService;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service's artifact ({@code target/quarkus-app}, what the image holds) carries no Kafka broker;
 * the launcher's embedded broker runs from {@code target/embedded-kafka} in a process of its own, and
 * the service without a broker configured stops at once saying what to set.
 */
class PackagedArtifactIT {

    private static final Path APP = Path.of("target/quarkus-app");
    private static final Path EMBEDDED = Path.of("target/embedded-kafka");

    @Test
    void theServiceArtifactHoldsNoBrokerAndTheLauncherHasOne() throws Exception {
        List<String> service = jarNames(APP.resolve("lib/main"));
        // Quarkus names them group.artifact-version.jar
        assertThat(service).isNotEmpty().noneMatch(j -> j.contains("kafka_2.13") || j.contains("kafka-server") || j.contains("kafka-raft")
                || j.contains("scala-library") || j.contains("test-companion"));
        assertThat(service).anyMatch(j -> j.contains("kafka-clients"));
        assertThat(jarNames(EMBEDDED)).anyMatch(j -> j.startsWith("kafka_2.13")).anyMatch(j -> j.startsWith("scala-library"))
                .anyMatch(j -> j.contains("test-companion"));
    }

    @Test
    void theLaunchersEmbeddedBrokerAnswers() throws Exception {
        int port = RealKafkaBroker.freePort();
        Path data = Files.createTempDirectory("costmeter-embedded-kafka-it");
        // the class path ./costmeter serve uses
        String classpath = String.join(File.pathSeparator, EMBEDDED + "/*", APP + "/app/*", APP + "/lib/main/*", APP + "/lib/boot/*");
        Process broker = new ProcessBuilder(PackagedService.javaBinary(), "-Xmx512m",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", classpath,
                "dev.costmeter.kafka.EmbeddedKafka", String.valueOf(port), data.toString(), "2")
                .redirectErrorStream(true).redirectOutput(new File("target/embedded-kafka-it.log")).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + port))) {
            PackagedService.Waiting.until("the embedded broker answers", java.time.Duration.ofSeconds(60), () -> {
                try {
                    return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(admin.describeCluster().nodes().get(5, TimeUnit.SECONDS)).hasSize(1);
        } finally {
            broker.destroy();
            assertThat(broker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(Path.of("target/embedded-kafka-it.log"))).contains("embedded Kafka broker on localhost:" + port);
    }

    @Test
    void withoutKafkaConfiguredTheServiceStopsAndSaysWhatToSet() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(PackagedService.javaBinary(), "-Xmx256m", "-jar", APP.resolve("quarkus-run.jar").toString())
                .redirectErrorStream(true).redirectOutput(new File("target/no-kafka-it.log"));
        builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        // A database of its own: the check under test must not depend on a `costmeter` database existing here.
        String dbUrl = RealPostgres.derived("no_kafka_it");
        RealPostgres.ensureDatabase(dbUrl);
        builder.environment().put("COSTMETER_DB_URL", dbUrl);
        builder.environment().put("PORT", String.valueOf(RealKafkaBroker.freePort()));
        Process service = builder.start();
        assertThat(service.waitFor(60, TimeUnit.SECONDS)).as("the service stops by itself").isTrue();
        assertThat(service.exitValue()).isNotZero();
        assertThat(Files.readString(Path.of("target/no-kafka-it.log"))).contains("no Kafka configured: set KAFKA_BOOTSTRAP_SERVERS");
    }

    private static List<String> jarNames(Path dir) throws Exception {
        try (Stream<Path> jars = Files.list(dir)) {
            return jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
        }
    }
}
