package dev.costmeter.health;

import dev.costmeter.ingest.UsageConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * DOWN once the ingest loop has ended for good (a fatal client error): the orchestrator restarts
 * the process instead of leaving a service that answers but no longer meters. Outages of
 * PostgreSQL or Kafka never end the loop; they show in readiness.
 */
@Liveness
@ApplicationScoped
public class IngestLiveness implements HealthCheck {

    @Inject
    UsageConsumer consumer;

    @Override
    public HealthCheckResponse call() {
        UsageConsumer.IngestHealth health = consumer.health();
        return IngestReadiness.describe(HealthCheckResponse.named("costmeter-ingest-loop").status(health.alive()), health).build();
    }
}
