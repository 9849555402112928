package dev.costmeter.savings;

import dev.costmeter.config.CostmeterConfig;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.ratecard.RateCardCatalog;
import dev.costmeter.storage.InteractionStore;
import dev.costmeter.storage.SpendQuery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The advisor on the ledger: measured usage of a range, the rate card in effect at its end. */
@ApplicationScoped
public class SavingsService {

    @Inject
    SpendQuery query;
    @Inject
    RateCardCatalog catalog;
    @Inject
    CostmeterConfig config;
    @Inject
    InteractionStore interactions;

    /** The advice, and the card it priced the alternatives with. */
    public record Result(RateCard card, SavingsAdvisor.Advice advice) {

        /**
         * The saving if each source took the best strategy for each model: batch and Flex are
         * alternatives for the same tokens, so strategies do not add up.
         */
        public BigDecimal bestTotalUsd() {
            Map<List<String>, BigDecimal> best = new LinkedHashMap<>();
            advice.recommendations().forEach(r -> best.merge(List.of(r.source(), r.model()), r.savingUsd(), BigDecimal::max));
            return best.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        }
    }

    /** @return empty when no rate card is in effect at the end of the range */
    public Optional<Result> advise(Instant from, Instant to, String source) throws SQLException {
        Instant cardAt = to.isAfter(Instant.now()) ? Instant.now() : to.minusNanos(1);
        Optional<RateCardCatalog.Version> version = catalog.inEffectAt(cardAt);
        if (version.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> filters = source == null || source.isBlank() ? Map.of() : Map.of("source", source);
        List<SavingsAdvisor.Usage> usage = new ArrayList<>();
        for (SpendQuery.Row row : query.totals(from, to, List.of("source", "model", "tier", "dimension"), filters)) {
            Map<String, String> g = row.group();
            usage.add(new SavingsAdvisor.Usage(g.get("source"), g.get("model"), g.get("tier"), Dimension.byId(g.get("dimension")),
                    row.quantity(), row.costUsd()));
        }
        List<SavingsAdvisor.AgentCalls> agents = interactions.callsBeyondP90(from, to, source == null || source.isBlank() ? null : source)
                .stream().map(a -> new SavingsAdvisor.AgentCalls(a.source(), a.interactions(), a.p90Calls(), a.aboveP90(), a.costUsd(),
                        a.costBeyondP90Usd())).toList();
        RateCard card = version.get().card();
        SavingsAdvisor.Assumptions assumptions = new SavingsAdvisor.Assumptions(config.savings().nonInteractiveSources().orElse(Set.of()),
                config.savings().targetCacheHitRate());
        List<SavingsAdvisor.CacheWrites> writes = query.buckets(from, to, Dimension.CACHE_WRITE_5M_INPUT_TOKENS.id(), filters).stream()
                .map(b -> new SavingsAdvisor.CacheWrites(b.source(), b.modelId(), b.serviceTier(), b.bucketStart(), b.quantity(), b.costUsd()))
                .toList();
        return Optional.of(new Result(card, SavingsAdvisor.advise(usage, agents, writes, card, Duration.between(from, to), assumptions)));
    }
}
