package dev.costmeter.ratecard;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardException;
import dev.costmeter.pricing.RateCardLoader;
import dev.costmeter.pricing.RateCardTimeline;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The rate card versions this instance prices with: the ones bundled in the jar
 * ({@code ratecards/index.txt} lists them) and any in {@code costmeter.rate-cards.directory}.
 * A card that does not load stops the service at startup: pricing with a wrong card is worse than
 * not pricing.
 */
@Startup
@ApplicationScoped
public class RateCardCatalog {

    private static final Logger LOG = Logger.getLogger(RateCardCatalog.class);
    private static final String BUNDLED_INDEX = "ratecards/index.txt";

    private final RateCardTimeline timeline;

    @Inject
    public RateCardCatalog(CostmeterConfig config) {
        List<RateCard> cards = new ArrayList<>(loadBundled());
        config.rateCards().directory().map(Path::of).ifPresent(dir -> cards.addAll(loadDirectory(dir)));
        this.timeline = new RateCardTimeline(cards);
        for (RateCard card : timeline.cards()) {
            LOG.infof("rate card %s in effect from %s (%d model ids)", card.version(), card.effectiveFrom(), card.models().size());
        }
    }

    public RateCardTimeline timeline() {
        return timeline;
    }

    public static List<RateCard> loadBundled() {
        List<RateCard> cards = new ArrayList<>();
        for (String name : readResource(BUNDLED_INDEX).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            try {
                cards.add(RateCardLoader.parse(readResource("ratecards/" + name)));
            } catch (RateCardException e) {
                throw new RateCardException("bundled rate card " + name + ": " + e.getMessage(), e);
            }
        }
        return cards;
    }

    public static List<RateCard> loadDirectory(Path dir) {
        List<RateCard> cards = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList()) {
                try {
                    cards.add(RateCardLoader.parse(Files.readString(file)));
                } catch (RateCardException e) {
                    throw new RateCardException("rate card file " + file + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rate card directory " + dir, e);
        }
        return cards;
    }

    private static String readResource(String name) {
        try (InputStream in = RateCardCatalog.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new RateCardException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
