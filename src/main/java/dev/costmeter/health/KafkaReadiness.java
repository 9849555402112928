package dev.costmeter.health;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.kafka.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Whether a Kafka broker answers: asked every {@code costmeter.kafka.health-check-interval} off the
 * request path; readiness is DOWN once none has answered for {@code costmeter.kafka.unreachable-grace}.
 * The clients reconnect by themselves when the broker is back; this only makes the outage visible.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(KafkaReadiness.class);

    @Inject
    KafkaClients kafka;
    @Inject
    CostmeterConfig config;

    private Admin admin;
    private volatile Instant lastAnswer = Instant.now();
    private volatile String lastProblem;

    void onStart(@Observes StartupEvent event) {
        admin = Admin.create(kafka.adminProperties());
    }

    void onStop(@Observes ShutdownEvent event) {
        Admin closing = admin;
        admin = null;
        if (closing != null) {
            closing.close(Duration.ofSeconds(2));
        }
    }

    @Scheduled(identity = "kafka-probe", every = "${costmeter.kafka.health-check-interval:PT5S}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void ask() {
        Admin admin = this.admin;
        if (admin == null) {
            return;
        }
        try {
            long timeoutMs = Math.max(1000, config.kafka().healthCheckInterval().toMillis());
            admin.describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions().timeoutMs((int) timeoutMs))
                    .nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            if (lastProblem != null) {
                LOG.infof("Kafka at %s answers again", kafka.bootstrapServers());
            }
            lastAnswer = Instant.now();
            lastProblem = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (lastProblem == null) {
                LOG.warnf("Kafka at %s does not answer: %s", kafka.bootstrapServers(), e);
            }
            lastProblem = String.valueOf(e.getCause() == null ? e : e.getCause());
        }
    }

    @Override
    public HealthCheckResponse call() {
        Duration silent = Duration.between(lastAnswer, Instant.now());
        boolean up = lastProblem == null || silent.compareTo(config.kafka().unreachableGrace()) < 0;
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("costmeter-kafka").status(up)
                .withData("bootstrapServers", kafka.bootstrapServers()).withData("lastAnswer", lastAnswer.toString());
        if (lastProblem != null) {
            builder.withData("problem", lastProblem);
        }
        return builder.build();
    }
}
