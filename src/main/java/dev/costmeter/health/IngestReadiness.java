package dev.costmeter.health;

import dev.costmeter.ingest.UsageConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while flushes to PostgreSQL/Kafka are failing. */
@Readiness
@ApplicationScoped
public class IngestReadiness implements HealthCheck {

    @Inject
    UsageConsumer consumer;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("costmeter-ingest").status(consumer.isHealthy()).build();
    }
}
