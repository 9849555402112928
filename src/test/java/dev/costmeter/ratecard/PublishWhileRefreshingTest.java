package dev.costmeter.ratecard;

import dev.costmeter.pricing.RateCardLoaderTest;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A card is in the timeline the moment publishing returns, however often the scheduled refresh runs
 * meanwhile. It used to join inside the publishing transaction, so a refresh that ran between the
 * method's end and the commit read the table without it and took it out again (and a card whose
 * transaction then failed would have priced events until the next refresh).
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class PublishWhileRefreshingTest {

    @Inject
    RateCardCatalog catalog;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aPublishedCardIsInTheTimelineWhenPublishingReturns() throws Exception {
        String prefix = "race-" + System.nanoTime() + "-";
        // far enough ahead to be after every other test's cards, within costmeter.rate-cards.max-future
        Instant first = Instant.now().plus(20, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread refresher = new Thread(() -> {
            while (publishing.get()) {
                catalog.refreshQuietly(); // as the scheduler does, as often as it can
            }
        }, "refresh-hammer");
        refresher.start();
        try {
            for (int i = 0; i < 20; i++) {
                Instant effective = first.plus(i, ChronoUnit.MINUTES);
                String version = prefix + i;
                catalog.publish(RateCardLoaderTest.VALID.replace("\"test-1\"", "\"" + version + "\"")
                        .replace("2026-03-01T00:00:00Z", effective.toString()), "test");
                assertThat(catalog.version(version)).as("card %d right after publishing", i).isPresent();
                assertThat(catalog.timeline().cardAt(effective).version()).as("card %d in effect at its time", i).isEqualTo(version);
            }
        } finally {
            publishing.set(false);
            refresher.join();
            try (var c = dataSource.getConnection(); var delete = c.prepareStatement("delete from rate_card where version like ?")) {
                delete.setString(1, prefix + "%");
                delete.executeUpdate();
            }
            catalog.refreshQuietly();
        }
        assertThat(catalog.versions()).noneMatch(v -> v.card().version().startsWith(prefix));
    }
}
