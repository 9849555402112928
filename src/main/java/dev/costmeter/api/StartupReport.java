package dev.costmeter.api;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.kafka.KafkaClients;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Tells whoever started the service where to send events and where to look. */
@ApplicationScoped
public class StartupReport {

    private static final Logger LOG = Logger.getLogger(StartupReport.class);

    @Inject
    CostmeterConfig config;

    @Inject
    KafkaClients kafka;

    @ConfigProperty(name = "quarkus.http.port")
    int port;

    void onStart(@Observes StartupEvent event) {
        String base = "http://localhost:" + port;
        LOG.infof("""
                costmeter is running
                  publish usage events to  %s  topic %s  (try: ./costmeter generate --bootstrap %s)
                  spend API                %s/api/v1/spend?groupBy=source,model,dimension   (HTTP Basic: viewer or admin)
                  budgets, rate cards      %s/api/v1/budgets   %s/api/v1/rate-cards
                  pipeline outcomes        %s/api/v1/pipeline/outcomes
                  metrics, health          %s/q/metrics   %s/q/health""",
                kafka.bootstrapServers(), config.topics().usage(), kafka.bootstrapServers(), base, base, base, base, base, base);
    }
}
