package dev.costmeter.ratecard;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardException;
import dev.costmeter.pricing.RateCardLoader;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.storage.RateCardRow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.narayana.jta.QuarkusTransactionException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The rate card versions this instance prices with: the ones bundled in the jar
 * ({@code ratecards/index.txt} lists them), any in {@code costmeter.rate-cards.directory}, and the
 * ones published over the API (table {@code rate_card}, reloaded every
 * {@code costmeter.rate-cards.refresh-interval} on every instance).
 *
 * <p>A card that does not load stops the service at startup: pricing with a wrong card is worse
 * than not pricing. Publishing refuses a card that would rewrite history: it must take effect after
 * every existing version, and if its effective time is already past, it may only add prices (so
 * quarantined events can be priced), never change one that events were already priced with.
 */
@ApplicationScoped
public class RateCardCatalog {

    private static final Logger LOG = Logger.getLogger(RateCardCatalog.class);
    private static final String BUNDLED_INDEX = "ratecards/index.txt";

    /** A version and where it came from. */
    public record Version(RateCard card, String definition, String origin, Instant publishedAt, String publishedBy) {
    }

    /** Publishing refused: 409 for a conflict with existing versions, 422 for an invalid card. */
    public static final class PublishRefused extends Exception {
        private final int status;
        private final List<String> problems;

        PublishRefused(int status, String message, List<String> problems) {
            super(message);
            this.status = status;
            this.problems = problems;
        }

        public int status() {
            return status;
        }

        public List<String> problems() {
            return problems;
        }
    }

    @Inject
    CostmeterConfig config;

    private final Clock clock = Clock.systemUTC();
    /** No card takes effect before this: no Bedrock price is older. */
    static final Instant EARLIEST_EFFECTIVE_FROM = Instant.parse("2000-01-01T00:00:00Z");
    private final List<Version> local = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Map<String, Version> versions = Map.of();
    private volatile RateCardTimeline timeline = new RateCardTimeline(List.of());

    /** Runs before the consumer starts (priority), so the first event already sees every version. */
    void onStart(@Observes @Priority(10) StartupEvent event) {
        local.addAll(bundledVersions());
        config.rateCards().directory().map(Path::of).ifPresent(dir -> local.addAll(directoryVersions(dir)));
        try {
            refresh();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read published rate cards from PostgreSQL", e);
        }
        for (RateCard card : timeline.cards()) {
            LOG.infof("rate card %s in effect from %s (%d model ids, %s)", card.version(), card.effectiveFrom(), card.models().size(),
                    versions.get(card.version()).origin());
        }
    }

    public RateCardTimeline timeline() {
        return timeline;
    }

    /** Every version, oldest effective time first. */
    public List<Version> versions() {
        return versions.values().stream().sorted(Comparator.comparing(v -> v.card().effectiveFrom())).toList();
    }

    public Optional<Version> version(String version) {
        return Optional.ofNullable(versions.get(version));
    }

    /** The version in effect at an instant. */
    public Optional<Version> inEffectAt(Instant at) {
        RateCard card = timeline.cardAt(at);
        return card == null ? Optional.empty() : Optional.of(versions.get(card.version()));
    }

    /** Validates and stores a new version; every instance picks it up on its next refresh. */
    public Version publish(String definition, String publishedBy) throws PublishRefused {
        return publish(definition, publishedBy, null);
    }

    /**
     * Validates and stores a new version. A correction ({@code corrects:} in the card) needs a reason
     * and takes effect within the period of the card it corrects, in its place from then on; it may
     * change prices that events were already priced with, because history is not touched by
     * publishing it (a re-rate does that, reviewed).
     */
    public synchronized Version publish(String definition, String publishedBy, String reason) throws PublishRefused {
        Version stored;
        try {
            stored = QuarkusTransaction.requiringNew().call(() -> store(definition, publishedBy, reason));
        } catch (QuarkusTransactionException e) {
            if (e.getCause() instanceof PublishRefused refused) {
                throw refused;
            }
            throw e;
        }
        // Only now, committed, does the card join the timeline: one added inside the transaction
        // could price events and still roll back, and a scheduled refresh between the method's end
        // and the commit took it out again (found as a test that saw the card missing right after
        // its 201).
        LOG.infof("rate card %s published by %s, in effect from %s", stored.card().version(), publishedBy, stored.card().effectiveFrom());
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warnf("rate card %s is stored; it joins the timeline at the next refresh (%s)", stored.card().version(), e.toString());
        }
        return versions.getOrDefault(stored.card().version(), stored);
    }

    /** Validates and stores a card in the caller's transaction; the timeline is not touched. */
    private Version store(String definition, String publishedBy, String reason) throws PublishRefused {
        RateCard card;
        try {
            card = RateCardLoader.parse(definition);
        } catch (RateCardException e) {
            throw new PublishRefused(422, e.getMessage(), e.problems());
        }
        java.time.Duration maxFuture = config.rateCards().maxFuture();
        Instant horizon = clock.instant().plus(maxFuture);
        if (card.effectiveFrom().isAfter(horizon)) {
            throw new PublishRefused(422, "effectiveFrom " + card.effectiveFrom() + " is more than " + maxFuture
                    + " ahead (costmeter.rate-cards.max-future): a card that far ahead would block every later card until then",
                    List.of("effectiveFrom: after " + horizon));
        }
        if (card.effectiveFrom().isBefore(EARLIEST_EFFECTIVE_FROM)) {
            throw new PublishRefused(422, "effectiveFrom " + card.effectiveFrom() + " is before " + EARLIEST_EFFECTIVE_FROM,
                    List.of("effectiveFrom: before " + EARLIEST_EFFECTIVE_FROM));
        }
        refresh();
        if (versions.containsKey(card.version())) {
            throw new PublishRefused(409, "rate card version " + card.version() + " already exists; versions are immutable, publish a new one",
                    List.of());
        }
        List<RateCard> cards = timeline.cards();
        RateCard latest = cards.isEmpty() ? null : cards.get(cards.size() - 1);
        if (card.corrects() != null) {
            refuseUnlessACorrection(card, reason);
        } else if (reason != null && !reason.isBlank()) {
            throw new PublishRefused(422, "reason is for corrections: this card corrects no version (add corrects: VERSION to correct one)",
                    List.of("reason: only with corrects"));
        } else if (latest != null && !card.effectiveFrom().isAfter(latest.effectiveFrom())) {
            throw new PublishRefused(409, "effectiveFrom " + card.effectiveFrom() + " must be after that of the latest version "
                    + latest.version() + " (" + latest.effectiveFrom() + "): versions take effect in order", List.of());
        }
        if (card.corrects() == null && latest != null && card.effectiveFrom().isBefore(clock.instant())) {
            List<String> changes = card.changesFrom(latest);
            if (!changes.isEmpty()) {
                throw new PublishRefused(409, "effectiveFrom " + card.effectiveFrom() + " is in the past and the card changes prices of "
                        + latest.version() + " that events may already have been priced with; a card taking effect in the past may "
                        + "only add prices. Changes: " + String.join("; ", changes.subList(0, Math.min(10, changes.size())))
                        + (changes.size() > 10 ? "; …" : ""), changes);
            }
        }
        RateCardRow row = new RateCardRow();
        row.version = card.version();
        row.effectiveFrom = card.effectiveFrom();
        row.definition = definition;
        row.publishedBy = publishedBy;
        row.corrects = card.corrects();
        row.reason = card.corrects() == null ? null : reason.strip();
        try {
            row.persistAndFlush();
        } catch (jakarta.persistence.PersistenceException e) {
            if (e instanceof org.hibernate.exception.ConstraintViolationException) { // another instance published the same version or instant meanwhile
                throw new PublishRefused(409, "a rate card with version " + card.version() + " or effectiveFrom "
                        + card.effectiveFrom() + " was published meanwhile", List.of());
            }
            throw e;
        }
        return new Version(card, definition, "api", null, publishedBy);
    }

    /** A correction names a version in effect at the correction's own instant, says why, and stays within that version's period. */
    private void refuseUnlessACorrection(RateCard card, String reason) throws PublishRefused {
        if (reason == null || reason.isBlank()) {
            throw new PublishRefused(422, "a correction needs a reason: say why " + card.corrects() + " is corrected (?reason=…)",
                    List.of("reason: required"));
        }
        if (reason.length() > 1000) {
            throw new PublishRefused(422, "reason: at most 1000 characters", List.of("reason: too long"));
        }
        Version corrected = versions.get(card.corrects());
        if (corrected == null) {
            throw new PublishRefused(422, "corrects: there is no rate card version '" + card.corrects() + "'", List.of("corrects: unknown"));
        }
        if (card.effectiveFrom().isBefore(corrected.card().effectiveFrom())) {
            throw new PublishRefused(422, "effectiveFrom " + card.effectiveFrom() + " is before that of " + card.corrects() + " ("
                    + corrected.card().effectiveFrom() + "): a correction takes effect within the period of the card it corrects",
                    List.of("effectiveFrom: before the corrected card's"));
        }
        RateCard inEffect = timeline.cardAt(card.effectiveFrom());
        if (inEffect == null || !inEffect.version().equals(card.corrects())) {
            throw new PublishRefused(409, card.corrects() + " is not the card in effect at " + card.effectiveFrom() + " ("
                    + (inEffect == null ? "none is" : inEffect.version() + " is") + "): correct the card in effect there", List.of());
        }
    }

    @Scheduled(identity = "rate-card-refresh", every = "${costmeter.rate-cards.refresh-interval:PT10S}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshQuietly() {
        if (local.isEmpty()) {
            return; // not started: onStart loads the bundled cards first
        }
        try {
            refresh();
        } catch (Exception e) {
            LOG.warn("could not reload published rate cards; keeping the versions loaded so far", e);
        }
    }

    /** Rebuilds the timeline from the local versions and every version in the rate_card table. */
    @Transactional
    synchronized void refresh() {
        Map<String, Version> all = new LinkedHashMap<>();
        for (Version v : local) {
            all.put(v.card().version(), v);
        }
        for (RateCardRow row : RateCardRow.inEffectiveOrder()) {
            Version known = versions.get(row.version);
            if (known != null && "api".equals(known.origin())) {
                all.put(row.version, known); // immutable: parsed once
                continue;
            }
            try {
                all.put(row.version, new Version(RateCardLoader.parse(row.definition), row.definition, "api", row.publishedAt, row.publishedBy));
            } catch (RateCardException e) {
                LOG.errorf("published rate card %s no longer loads and is ignored: %s", row.version, e.getMessage());
            }
        }
        if (all.size() != versions.size() || !all.keySet().equals(versions.keySet())) {
            timeline = new RateCardTimeline(all.values().stream().map(Version::card).toList());
            versions = Map.copyOf(all);
        }
    }

    public static List<RateCard> loadBundled() {
        return bundledVersions().stream().map(Version::card).toList();
    }

    public static List<RateCard> loadDirectory(Path dir) {
        return directoryVersions(dir).stream().map(Version::card).toList();
    }

    private static List<Version> bundledVersions() {
        List<Version> cards = new ArrayList<>();
        for (String name : readResource(BUNDLED_INDEX).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            String text = readResource("ratecards/" + name);
            try {
                cards.add(new Version(RateCardLoader.parse(text), text, "bundled", null, null));
            } catch (RateCardException e) {
                throw new RateCardException("bundled rate card " + name + ": " + e.getMessage(), e);
            }
        }
        return cards;
    }

    private static List<Version> directoryVersions(Path dir) {
        List<Version> cards = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList()) {
                String text = Files.readString(file);
                try {
                    cards.add(new Version(RateCardLoader.parse(text), text, "file " + file, null, null));
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
