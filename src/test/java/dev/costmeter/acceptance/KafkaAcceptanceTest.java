package dev.costmeter.acceptance;

import dev.costmeter.testing.TestKafka;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** What every acceptance test against the running service needs: the real broker, and the API as the viewer. */
abstract class KafkaAcceptanceTest {

    static final String USAGE = "bedrock.usage";

    @ConfigProperty(name = "costmeter.kafka.bootstrap-servers")
    String bootstrapServers;

    TestKafka kafka;

    @BeforeEach
    void connect() {
        kafka = new TestKafka(bootstrapServers);
        ApiUsers.signInAsViewer();
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }
}
