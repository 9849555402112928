package dev.costmeter.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a rate card file (YAML, see {@code src/main/resources/ratecards/}) and checks it: every
 * price is a non-negative decimal, every dimension is one costmeter knows, every model id is unique.
 * All problems are reported at once, each with the place at fault.
 */
public final class RateCardLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** The file's shape. Prices are strings or numbers, read as exact decimals. */
    record RateCardFile(
            String version,
            String effectiveFrom,
            String currency,
            List<String> regions,
            String source,
            BigDecimal tokenPricesPer,
            Map<String, BigDecimal> serviceTiers,
            Map<String, TokenDimensionRule> tokenDimensions,
            List<String> crossRegionPrefixes,
            List<ModelEntry> models) {
    }

    /** A token dimension is priced as a multiple of the model's input or output price. */
    record TokenDimensionRule(String basedOn, BigDecimal multiplier) {
    }

    record ModelEntry(String id, String name, List<String> aliases, BigDecimal input, BigDecimal output) {
    }

    private RateCardLoader() {
    }

    public static RateCard parse(String text) {
        RateCardFile file;
        try {
            file = YAML.readValue(text, RateCardFile.class);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new RateCardException("rate card is not valid YAML of the expected shape" + where + ": "
                    + e.getOriginalMessage(), e);
        }
        if (file == null) {
            throw new RateCardException("rate card is empty");
        }
        return build(file);
    }

    private static RateCard build(RateCardFile file) {
        List<String> problems = new ArrayList<>();
        if (blank(file.version())) {
            problems.add("version: required");
        }
        Instant effectiveFrom = null;
        if (blank(file.effectiveFrom())) {
            problems.add("effectiveFrom: required (an ISO-8601 instant such as 2026-02-01T00:00:00Z)");
        } else {
            try {
                effectiveFrom = Instant.parse(file.effectiveFrom());
            } catch (DateTimeParseException e) {
                problems.add("effectiveFrom: '" + file.effectiveFrom() + "' is not an ISO-8601 instant such as 2026-02-01T00:00:00Z");
            }
        }
        if (!"USD".equals(file.currency())) {
            problems.add("currency: must be USD, was " + file.currency());
        }
        if (file.regions() == null || file.regions().isEmpty() || file.regions().stream().anyMatch(RateCardLoader::blank)) {
            problems.add("regions: required, the regions whose prices this card holds; the first is used for events that name none");
        }
        BigDecimal per = file.tokenPricesPer();
        if (per == null || per.signum() <= 0) {
            problems.add("tokenPricesPer: required and positive (e.g. 1000000 for prices per 1M tokens)");
            per = BigDecimal.ONE;
        }

        Map<String, BigDecimal> tiers = file.serviceTiers() == null ? Map.of() : file.serviceTiers();
        if (!tiers.containsKey(UsageEvent.DEFAULT_TIER)) {
            problems.add("serviceTiers: must define 'default' (Bedrock's Standard tier)");
        }
        tiers.forEach((tier, multiplier) -> {
            if (multiplier == null || multiplier.signum() < 0) {
                problems.add("serviceTiers." + tier + ": multiplier must be a non-negative decimal");
            }
        });

        Map<Dimension, TokenDimensionRule> rules = new HashMap<>();
        if (file.tokenDimensions() == null || file.tokenDimensions().isEmpty()) {
            problems.add("tokenDimensions: required");
        } else {
            file.tokenDimensions().forEach((name, rule) -> {
                Dimension dimension = Dimension.byId(name);
                String at = "tokenDimensions." + name;
                if (dimension == null) {
                    problems.add(at + ": unknown dimension; known: " + knownDimensions());
                } else if (rule == null || !("input".equals(rule.basedOn()) || "output".equals(rule.basedOn()))) {
                    problems.add(at + ".basedOn: must be 'input' or 'output'");
                } else if (rule.multiplier() == null || rule.multiplier().signum() < 0) {
                    problems.add(at + ".multiplier: must be a non-negative decimal");
                } else {
                    rules.put(dimension, rule);
                }
            });
        }

        Map<String, RateCard.ModelRates> models = new LinkedHashMap<>();
        List<ModelEntry> entries = file.models() == null ? List.of() : file.models();
        if (entries.isEmpty()) {
            problems.add("models: at least one model is required");
        }
        for (int i = 0; i < entries.size(); i++) {
            ModelEntry model = entries.get(i);
            String at = "models[" + i + "]" + (model == null || blank(model.id()) ? "" : " (" + model.id() + ")");
            if (model == null || blank(model.id())) {
                problems.add(at + ".id: required");
                continue;
            }
            if (model.input() != null && model.input().signum() < 0) {
                problems.add(at + ".input: price must not be negative");
                continue;
            }
            if (model.output() != null && model.output().signum() < 0) {
                problems.add(at + ".output: price must not be negative");
                continue;
            }
            if (model.input() == null && model.output() == null) {
                problems.add(at + ": needs an input or output price");
                continue;
            }
            RateCard.ModelRates rates = new RateCard.ModelRates(model.id(), model.name(),
                    unitPricesByTier(model, rules, tiers, per));
            List<String> ids = new ArrayList<>();
            ids.add(model.id());
            if (model.aliases() != null) {
                ids.addAll(model.aliases());
            }
            for (String id : ids) {
                if (models.putIfAbsent(id, rates) != null) {
                    problems.add(at + ": model id '" + id + "' is listed twice");
                }
            }
        }

        if (!problems.isEmpty()) {
            throw new RateCardException("rate card " + (blank(file.version()) ? "" : file.version() + " ")
                    + "is invalid:\n  - " + String.join("\n  - ", problems));
        }
        List<String> prefixes = file.crossRegionPrefixes() == null ? List.of() : List.copyOf(file.crossRegionPrefixes());
        return new RateCard(file.version(), effectiveFrom, file.currency(), file.regions().get(0),
                java.util.Set.copyOf(file.regions()), Map.copyOf(models),
                Map.copyOf(tiers), prefixes);
    }

    /** price per unit = model price × dimension multiplier × tier multiplier ÷ tokenPricesPer, exactly. */
    private static Map<String, BigDecimal[]> unitPricesByTier(ModelEntry model, Map<Dimension, TokenDimensionRule> rules,
                                                              Map<String, BigDecimal> tiers, BigDecimal per) {
        Map<String, BigDecimal[]> byTier = new HashMap<>();
        tiers.forEach((tier, tierMultiplier) -> {
            BigDecimal[] prices = new BigDecimal[Dimension.values().length];
            rules.forEach((dimension, rule) -> {
                BigDecimal base = "input".equals(rule.basedOn()) ? model.input() : model.output();
                if (base != null) {
                    prices[dimension.ordinal()] = exactQuotient(base.multiply(rule.multiplier()).multiply(tierMultiplier), per);
                }
            });
            byTier.put(tier, prices);
        });
        return byTier;
    }

    private static BigDecimal exactQuotient(BigDecimal dividend, BigDecimal divisor) {
        try {
            return dividend.divide(divisor).stripTrailingZeros();
        } catch (ArithmeticException e) {
            throw new RateCardException("tokenPricesPer " + divisor.toPlainString()
                    + " does not give exact unit prices; use a power of ten", e);
        }
    }

    private static String knownDimensions() {
        List<String> ids = new ArrayList<>();
        for (Dimension d : Dimension.values()) {
            ids.add(d.id());
        }
        return String.join(", ", ids);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
