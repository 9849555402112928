package dev.costmeter.health;

import dev.costmeter.ingest.UsageConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while commits to PostgreSQL/Kafka are failing or the stored offsets cannot be read; says why. */
@Readiness
@ApplicationScoped
public class IngestReadiness implements HealthCheck {

    @Inject
    UsageConsumer consumer;

    @Override
    public HealthCheckResponse call() {
        UsageConsumer.IngestHealth health = consumer.health();
        return describe(HealthCheckResponse.named("costmeter-ingest").status(health.alive() && health.ready()), health).build();
    }

    static HealthCheckResponseBuilder describe(HealthCheckResponseBuilder builder, UsageConsumer.IngestHealth health) {
        if (health.problem() != null) {
            builder.withData("problem", health.problem());
        }
        if (health.since() != null) {
            builder.withData("since", health.since().toString());
        }
        return builder;
    }
}
