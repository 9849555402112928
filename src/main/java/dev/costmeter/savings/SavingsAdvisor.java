package dev.costmeter.savings;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.RateCard;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pricing guide's optimisation strategies, priced on measured usage: each figure re-prices the
 * tokens a source actually used with a model under the alternative, with the same rate card — no
 * new price table, no estimated ratio. Pure.
 *
 * <p>Strategies: {@code batch} and {@code flex} (the same tokens at the card's batch or Flex tier),
 * {@code smaller-model} (the same tokens on the card's {@code stepDown} model of the same family, same
 * tier), {@code prompt-caching} (the prompt tokens at a higher cache hit rate, from the measured
 * reads, writes and uncached input), {@code provisioned-throughput} (the measured on-demand spend per
 * hour of a model against one model unit's hourly price), {@code vector-store} (the OpenSearch
 * Serverless floor against the queries it served), {@code guardrails} (the dearest policy of each
 * source) and {@code agent-calls} (interactions capped at their source's p90 of model calls). A
 * recommendation that cannot be priced is never shown as a $0 saving: it is listed under
 * {@code skipped} with the reason.
 */
public final class SavingsAdvisor {

    /** Measured usage: one source, model, tier and dimension over the range. */
    public record Usage(String source, String model, String tier, Dimension dimension, BigDecimal quantity, BigDecimal costUsd) {
    }

    /**
     * What a strategy would save a source on a model.
     *
     * @param costNowUsd         what the tokens concerned cost in the range (the ledger's figure)
     * @param costAlternativeUsd the same tokens under the alternative, exact
     * @param savingPerMonthUsd  the saving projected to a 30-day month from the range, to the cent (as are the two
     *                           monthly costs)
     */
    public record Recommendation(String source, String model, String strategy, BigDecimal costNowUsd, BigDecimal costAlternativeUsd,
                                 BigDecimal savingUsd, BigDecimal costNowPerMonthUsd, BigDecimal costAlternativePerMonthUsd,
                                 BigDecimal savingPerMonthUsd, String assumption) {
    }

    /** A strategy that was not priced for a source and model, and why. */
    public record Skipped(String source, String model, String strategy, String reason) {
    }

    public record Advice(List<Recommendation> recommendations, List<Skipped> skipped) {
    }

    /**
     * A source's agent interactions in the range: how many, the p90 of model calls per interaction,
     * and the cost of the calls beyond it in the interactions above it (each call its interaction's
     * average cost).
     */
    public record AgentCalls(String source, long interactions, long p90Calls, long aboveP90, BigDecimal costUsd,
                             BigDecimal costBeyondP90Usd) {
    }

    /** 5-minute cache writes of a source, model and tier in one aggregate bucket (a minute). */
    public record CacheWrites(String source, String model, String tier, java.time.Instant bucketStart, BigDecimal tokens, BigDecimal costUsd) {
    }

    /** What the strategies assume that the usage cannot tell. */
    public record Assumptions(Set<String> nonInteractiveSources, BigDecimal targetCacheHitRate) {
        public static final Assumptions DEFAULT = new Assumptions(Set.of(), new BigDecimal("0.8"));
    }

    static final String PROMPT_CACHING = "prompt-caching";
    static final String CACHE_TTL = "cache-1h-ttl";
    static final String PROVISIONED = "provisioned-throughput";
    static final String VECTOR_STORE = "vector-store";
    static final String GUARDRAILS = "guardrails";
    static final String AGENT_CALLS = "agent-calls";
    static final String ALL_SOURCES = "(all sources)";
    static final String NO_MODEL = "(no model)";

    static final String BATCH = "batch";
    static final String FLEX = "flex";
    static final String SMALLER_MODEL = "smaller-model";
    private static final BigDecimal MONTH_SECONDS = BigDecimal.valueOf(30L * 86_400);

    private SavingsAdvisor() {
    }

    /**
     * @param range          how long the usage was measured over (for the monthly projection)
     * @param nonInteractive sources declared to tolerate batch latency
     */
    public static Advice advise(List<Usage> usage, RateCard card, Duration range, Set<String> nonInteractive) {
        return advise(usage, List.of(), card, range, new Assumptions(nonInteractive, Assumptions.DEFAULT.targetCacheHitRate()));
    }

    public static Advice advise(List<Usage> usage, List<AgentCalls> agents, RateCard card, Duration range, Assumptions assumptions) {
        return advise(usage, agents, List.of(), card, range, assumptions);
    }

    /**
     * @param writes5m the 5-minute cache writes minute by minute, in time order per source, model and tier
     */
    public static Advice advise(List<Usage> usage, List<AgentCalls> agents, List<CacheWrites> writes5m, RateCard card, Duration range,
                                Assumptions assumptions) {
        Set<String> nonInteractive = assumptions.nonInteractiveSources();
        if (usage.stream().noneMatch(u -> u.costUsd().signum() > 0) && agents.isEmpty()) {
            return new Advice(List.of(), List.of(new Skipped(ALL_SOURCES, NO_MODEL, "all", "no spend in the range: nothing to re-price")));
        }
        Map<List<String>, List<Usage>> bySourceAndModel = new LinkedHashMap<>();
        for (Usage u : usage) {
            if (u.dimension() != null && u.dimension().pricedBy() == Dimension.PricedBy.MODEL_TOKENS && u.quantity().signum() > 0) {
                bySourceAndModel.computeIfAbsent(List.of(u.source(), u.model()), k -> new ArrayList<>()).add(u);
            }
        }
        List<Recommendation> recommendations = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        BigDecimal toMonth = MONTH_SECONDS.divide(BigDecimal.valueOf(Math.max(1, range.toSeconds())), MathContext.DECIMAL64);
        bySourceAndModel.forEach((key, lines) -> {
            String source = key.get(0);
            String model = key.get(1);
            RateCard.ModelRates rates = card.resolveModel(model);
            if (rates == null) {
                skipped.add(new Skipped(source, model, "all", "rate card " + card.version() + " does not price this model"));
                return;
            }
            String batchAssumption = nonInteractive.contains(source)
                    ? "the source is declared non-interactive (costmeter.savings.non-interactive-sources): results within 24 h are acceptable"
                    : "if this workload tolerates results within 24 h (batch inference)";
            tierChange(source, model, lines, rates, BATCH, batchAssumption, card, toMonth, recommendations, skipped);
            tierChange(source, model, lines, rates, FLEX, "if this workload tolerates slower, best-effort processing (the Flex tier)",
                    card, toMonth, recommendations, skipped);
            caching(source, model, lines, rates, assumptions.targetCacheHitRate(), toMonth, recommendations, skipped);
            if (rates.stepDown() == null) {
                skipped.add(new Skipped(source, model, SMALLER_MODEL, "rate card " + card.version()
                        + " names no smaller model of the same family for " + rates.name()));
            } else {
                RateCard.ModelRates smaller = card.resolveModel(rates.stepDown());
                price(source, model, lines, SMALLER_MODEL, u -> smaller.unitPrice(u.tier(), u.dimension()),
                        "the same tokens on " + smaller.name() + ", at the same tier: check that its quality meets your bar",
                        toMonth, recommendations, skipped);
            }
        });
        oneHourWrites(writes5m, card, toMonth, recommendations, skipped);
        provisioned(usage, card, range, toMonth, recommendations, skipped);
        vectorStore(usage, card, toMonth, recommendations, skipped);
        guardrails(usage, toMonth, recommendations);
        for (AgentCalls a : agents) {
            if (a.aboveP90() == 0 || a.costBeyondP90Usd().signum() <= 0) {
                skipped.add(new Skipped(a.source(), NO_MODEL, AGENT_CALLS, "no interaction made more than the p90 of " + a.p90Calls()
                        + " model calls"));
                continue;
            }
            recommendations.add(recommendation(a.source(), NO_MODEL, AGENT_CALLS, a.costUsd(), a.costUsd().subtract(a.costBeyondP90Usd()),
                    toMonth, a.aboveP90() + " of " + a.interactions() + " interactions made more than " + a.p90Calls()
                            + " model calls (the p90); capped there, each call costing its interaction's average"));
        }
        recommendations.sort(Comparator.comparing(Recommendation::savingUsd).reversed()
                .thenComparing(Recommendation::source).thenComparing(Recommendation::model).thenComparing(Recommendation::strategy));
        return new Advice(recommendations, skipped);
    }

    /**
     * The prompt at a higher cache hit rate: of the measured prompt tokens (uncached input, cache
     * reads and writes), the target share read from the cache, the writes as measured, the rest
     * uncached. Only where caching is in use (the share of the prompt that repeats is otherwise
     * unknown) and the card prices it.
     */
    private static void caching(String source, String model, List<Usage> lines, RateCard.ModelRates rates, BigDecimal target,
                                BigDecimal toMonth, List<Recommendation> out, List<Skipped> skipped) {
        Map<String, BigDecimal[]> byTier = new LinkedHashMap<>(); // uncached, reads, writes 5m, writes 1h, cost now
        for (Usage u : lines) {
            int slot = switch (u.dimension()) {
                case INPUT_TOKENS -> 0;
                case CACHE_READ_INPUT_TOKENS -> 1;
                case CACHE_WRITE_5M_INPUT_TOKENS -> 2;
                case CACHE_WRITE_1H_INPUT_TOKENS -> 3;
                default -> -1;
            };
            if (slot >= 0) {
                BigDecimal[] t = byTier.computeIfAbsent(u.tier(), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
                        BigDecimal.ZERO, BigDecimal.ZERO});
                t[slot] = t[slot].add(u.quantity());
                t[4] = t[4].add(u.costUsd());
            }
        }
        if (rates.unitPrice("default", Dimension.CACHE_READ_INPUT_TOKENS) == null) {
            skipped.add(new Skipped(source, model, PROMPT_CACHING, "the rate card prices no prompt caching for " + rates.name()));
            return;
        }
        byTier.forEach((tier, t) -> {
            BigDecimal prompt = t[0].add(t[1]).add(t[2]).add(t[3]);
            if (t[1].add(t[2]).add(t[3]).signum() == 0) {
                skipped.add(new Skipped(source, model, PROMPT_CACHING, "no prompt caching in use at the " + tier + " tier, so which part "
                        + "of the prompt repeats is unknown (the guide: caching pays from 2 reuses within 5 minutes)"));
                return;
            }
            BigDecimal hitRate = t[1].divide(prompt, MathContext.DECIMAL64);
            BigDecimal reads = prompt.multiply(target).setScale(0, RoundingMode.DOWN);
            BigDecimal uncached = prompt.subtract(reads).subtract(t[2]).subtract(t[3]);
            if (hitRate.compareTo(target) >= 0) {
                skipped.add(new Skipped(source, model, PROMPT_CACHING, "the hit rate at the " + tier + " tier is "
                        + percent(hitRate) + "%, at or above the target of " + percent(target) + "% (costmeter.savings.target-cache-hit-rate)"));
                return;
            }
            if (uncached.signum() < 0) {
                skipped.add(new Skipped(source, model, PROMPT_CACHING, "at the " + tier + " tier the cache writes are "
                        + percent(t[2].add(t[3]).divide(prompt, MathContext.DECIMAL64)) + "% of the prompt: a " + percent(target)
                        + "% hit rate would need more reuse of what is written, which the usage cannot tell (hit rate now "
                        + percent(hitRate) + "%)"));
                return;
            }
            BigDecimal then = uncached.multiply(rates.unitPrice(tier, Dimension.INPUT_TOKENS))
                    .add(reads.multiply(rates.unitPrice(tier, Dimension.CACHE_READ_INPUT_TOKENS)))
                    .add(t[2].multiply(orZero(rates.unitPrice(tier, Dimension.CACHE_WRITE_5M_INPUT_TOKENS))))
                    .add(t[3].multiply(orZero(rates.unitPrice(tier, Dimension.CACHE_WRITE_1H_INPUT_TOKENS))));
            add(source, model, PROMPT_CACHING, t[4], then, toMonth, "if " + percent(target) + "% of the prompt tokens were cache reads (now "
                    + percent(hitRate) + "% at the " + tier + " tier), with the cache writes as measured", out, skipped);
        });
    }

    /**
     * The 5-minute/1-hour break-even from the measured pattern: if a source's 5-minute writes re-write
     * the same prefix (a shared system prompt or document), a 1-hour TTL keeps it: the first write
     * of each hour costs the 1-hour price, the writes after it within the hour become cache reads.
     * Greedy hour windows over the minutes with writes.
     */
    private static void oneHourWrites(List<CacheWrites> writes, RateCard card, BigDecimal toMonth, List<Recommendation> out,
                                      List<Skipped> skipped) {
        Map<List<String>, List<CacheWrites>> byKey = new LinkedHashMap<>();
        writes.forEach(w -> byKey.computeIfAbsent(List.of(w.source(), w.model(), w.tier()), k -> new ArrayList<>()).add(w));
        byKey.forEach((key, minutes) -> {
            String source = key.get(0);
            String model = key.get(1);
            String tier = key.get(2);
            RateCard.ModelRates rates = card.resolveModel(model);
            BigDecimal oneHour = rates == null ? null : rates.unitPrice(tier, Dimension.CACHE_WRITE_1H_INPUT_TOKENS);
            BigDecimal read = rates == null ? null : rates.unitPrice(tier, Dimension.CACHE_READ_INPUT_TOKENS);
            if (oneHour == null || read == null) {
                skipped.add(new Skipped(source, model, CACHE_TTL, "the rate card has no 1-hour cache write price for this model"));
                return;
            }
            BigDecimal now = BigDecimal.ZERO;
            BigDecimal then = BigDecimal.ZERO;
            java.time.Instant windowEnd = java.time.Instant.MIN;
            int rewrites = 0;
            for (CacheWrites w : minutes) {
                now = now.add(w.costUsd());
                if (!w.bucketStart().isBefore(windowEnd)) {
                    then = then.add(w.tokens().multiply(oneHour)); // the hour's first write, kept for an hour
                    windowEnd = w.bucketStart().plus(Duration.ofHours(1));
                } else {
                    then = then.add(w.tokens().multiply(read)); // re-written within the hour: read instead
                    rewrites++;
                }
            }
            if (rewrites == 0) {
                skipped.add(new Skipped(source, model, CACHE_TTL, "no 5-minute cache writes recur within an hour at the " + tier + " tier"));
                return;
            }
            add(source, model, CACHE_TTL, now, then, toMonth, "if the 5-minute cache writes at the " + tier + " tier re-write the same "
                    + "prefix: a 1-hour TTL turns the " + rewrites + " re-writes within an hour of a first write into reads", out, skipped);
        });
    }

    /** A model's measured on-demand spend per hour (all sources) against one model unit at the 1-month commitment. */
    private static void provisioned(List<Usage> usage, RateCard card, Duration range, BigDecimal toMonth, List<Recommendation> out,
                                    List<Skipped> skipped) {
        Map<String, BigDecimal> onDemand = new LinkedHashMap<>();
        for (Usage u : usage) {
            if (u.dimension() != null && u.dimension().pricedBy() == Dimension.PricedBy.MODEL_TOKENS) {
                onDemand.merge(u.model(), u.costUsd(), BigDecimal::add);
            }
        }
        BigDecimal hours = BigDecimal.valueOf(Math.max(1, range.toSeconds())).divide(BigDecimal.valueOf(3_600), MathContext.DECIMAL64);
        Set<String> sources = new java.util.HashSet<>();
        usage.forEach(u -> sources.add(u.source()));
        String who = sources.size() == 1 ? sources.iterator().next() : ALL_SOURCES; // a unit serves the whole account
        onDemand.forEach((model, cost) -> {
            RateCard.ModelRates rates = card.resolveModel(model);
            BigDecimal muHour = rates == null ? null : rates.unitPrice("default", Dimension.PROVISIONED_MU_HOURS_1_MONTH);
            if (muHour == null) {
                return; // the card offers no provisioned throughput for this model: nothing to weigh
            }
            BigDecimal reserved = muHour.multiply(hours);
            BigDecimal perHour = cost.divide(hours, 2, RoundingMode.HALF_UP);
            if (reserved.compareTo(cost) >= 0) {
                skipped.add(new Skipped(who, model, PROVISIONED, "on demand costs " + perHour.toPlainString() + " USD an hour, "
                        + "below one model unit's " + muHour.toPlainString() + " USD (1-month commitment)"));
                return;
            }
            add(who, model, PROVISIONED, cost, reserved, toMonth, "one model unit at " + muHour.toPlainString()
                    + " USD an hour (1-month commitment) carries the measured load; check its throughput before committing", out, skipped);
        });
    }

    /** The OpenSearch Serverless floor against the Knowledge Base queries it served. */
    private static void vectorStore(List<Usage> usage, RateCard card, BigDecimal toMonth, List<Recommendation> out, List<Skipped> skipped) {
        BigDecimal floor = BigDecimal.ZERO;
        BigDecimal queries = BigDecimal.ZERO;
        String source = null;
        for (Usage u : usage) {
            if (u.dimension() == Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS) {
                floor = floor.add(u.costUsd());
                source = u.source();
            } else if (u.dimension() == Dimension.KB_GENERATE_QUERY_CALLS) {
                queries = queries.add(u.quantity());
            }
        }
        if (floor.signum() == 0) {
            return;
        }
        String perQuery = queries.signum() == 0 ? "no Knowledge Base queries at all"
                : queries.toPlainString() + " queries, " + floor.divide(queries, 6, RoundingMode.HALF_UP).toPlainString() + " USD each";
        skipped.add(new Skipped(source, NO_MODEL, VECTOR_STORE, "the OpenSearch Serverless floor cost " + floor.toPlainString() + " USD for "
                + perQuery + "; rate card " + card.version() + " has no Amazon S3 Vectors price to compare with (the guide gives none, "
                + "only \"up to 90% cheaper\")"));
    }

    /** Each source's dearest Guardrails policy: what it is worth if the source does not need it. */
    private static void guardrails(List<Usage> usage, BigDecimal toMonth, List<Recommendation> out) {
        Map<String, Map<Dimension, BigDecimal>> bySource = new LinkedHashMap<>();
        for (Usage u : usage) {
            if (u.dimension() != null && u.dimension().id().startsWith("guardrail_") && u.costUsd().signum() > 0) {
                bySource.computeIfAbsent(u.source(), k -> new LinkedHashMap<>()).merge(u.dimension(), u.costUsd(), BigDecimal::add);
            }
        }
        bySource.forEach((source, policies) -> {
            BigDecimal total = policies.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            Map.Entry<Dimension, BigDecimal> dearest = policies.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
            out.add(recommendation(source, NO_MODEL, GUARDRAILS, total, total.subtract(dearest.getValue()), toMonth,
                    "if this source does not need " + dearest.getKey().id().replace("guardrail_", "").replace("_units", "").replace('_', ' ')
                            + ", the dearest of its Guardrails policies (" + percent(dearest.getValue().divide(total, MathContext.DECIMAL64))
                            + "% of their cost); the guide: enable only the filters you need"));
        });
    }

    private static BigDecimal orZero(BigDecimal v) {
        return v == null ? BigDecimal.ZERO : v;
    }

    private static String percent(BigDecimal share) {
        return share.multiply(BigDecimal.valueOf(100)).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static void add(String source, String model, String strategy, BigDecimal now, BigDecimal then, BigDecimal toMonth,
                            String assumption, List<Recommendation> out, List<Skipped> skipped) {
        if (now.subtract(then).signum() <= 0) {
            skipped.add(new Skipped(source, model, strategy, "would not cost less (" + then.toPlainString() + " instead of "
                    + now.toPlainString() + " USD)"));
            return;
        }
        out.add(recommendation(source, model, strategy, now, then, toMonth, assumption));
    }

    private static Recommendation recommendation(String source, String model, String strategy, BigDecimal now, BigDecimal then,
                                                 BigDecimal toMonth, String assumption) {
        BigDecimal saving = now.subtract(then);
        return new Recommendation(source, model, strategy, now, then, saving, now.multiply(toMonth).setScale(2, RoundingMode.HALF_UP),
                then.multiply(toMonth).setScale(2, RoundingMode.HALF_UP), saving.multiply(toMonth).setScale(2, RoundingMode.HALF_UP),
                assumption);
    }

    private static void tierChange(String source, String model, List<Usage> lines, RateCard.ModelRates rates, String tier, String assumption,
                                   RateCard card, BigDecimal toMonth, List<Recommendation> out, List<Skipped> skipped) {
        if (!card.serviceTiers().containsKey(tier)) {
            skipped.add(new Skipped(source, model, tier, "rate card " + card.version() + " has no " + tier + " tier"));
            return;
        }
        List<Usage> elsewhere = lines.stream().filter(u -> !u.tier().equals(tier)).toList();
        if (elsewhere.isEmpty()) {
            skipped.add(new Skipped(source, model, tier, "already runs at the " + tier + " tier"));
            return;
        }
        price(source, model, elsewhere, tier, u -> rates.unitPrice(tier, u.dimension()), assumption, toMonth, out, skipped);
    }

    private interface Price {
        BigDecimal of(Usage usage);
    }

    private static void price(String source, String model, List<Usage> lines, String strategy, Price alternative, String assumption,
                              BigDecimal toMonth, List<Recommendation> out, List<Skipped> skipped) {
        BigDecimal now = BigDecimal.ZERO;
        BigDecimal then = BigDecimal.ZERO;
        for (Usage u : lines) {
            BigDecimal price = alternative.of(u);
            if (price == null) {
                skipped.add(new Skipped(source, model, strategy, "the rate card has no price for " + u.dimension().id()
                        + " under this alternative"));
                return;
            }
            now = now.add(u.costUsd());
            then = then.add(u.quantity().multiply(price));
        }
        add(source, model, strategy, now, then, toMonth, assumption, out, skipped);
    }
}
