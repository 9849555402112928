package dev.costmeter.pricing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a rate card file (YAML, see {@code src/main/resources/ratecards/}) and checks it: every
 * price is a non-negative decimal, every dimension is one costmeter knows and is priced where it
 * belongs (per model or account-wide), every rule refers to something that exists, every model id
 * is unique. All problems are reported at once, each with its place and line in the file.
 */
public final class RateCardLoader {

    /** A key given twice (a price, a tier, a whole section) is refused: which of two prices is the card's? */
    private static final YAMLFactory YAML_FACTORY = YAMLFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper YAML = new ObjectMapper(YAML_FACTORY)
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
            Map<String, Map<String, TokenDimensionRule>> cachingRules,
            List<String> crossRegionPrefixes,
            List<String> regionNamingPrefixes,
            Map<String, LongContextEntry> longContextRules,
            Map<String, String> charges,
            Map<String, MinimumEntry> minimums,
            List<ModelEntry> models,
            Map<String, String> usageTypeModels,
            String corrects) {
    }

    /** A token dimension is priced as a multiple of the model's input or output price. */
    record TokenDimensionRule(String basedOn, BigDecimal multiplier) {
    }

    /** billed: "excess" (tokens beyond the threshold) or "whole_request". */
    record LongContextEntry(Long inputTokensAbove, BigDecimal multiplier, String billed) {
    }

    record MinimumEntry(BigDecimal perHour) {
    }

    record ModelEntry(String id, String name, List<String> aliases, BigDecimal input, BigDecimal output,
                      String longContext, String caching, Map<String, String> prices, String stepDown) {
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
        return build(file, new Problems(lineIndex(text)));
    }

    private static RateCard build(RateCardFile file, Problems problems) {
        if (blank(file.version())) {
            problems.add("version", "required");
        } else if (!VERSION_NAME.matcher(file.version()).matches()) {
            problems.add("version", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. 2026-03), was '"
                    + (file.version().length() > 64 ? file.version().substring(0, 64) + "…" : file.version()).replace("\u0000", "\\u0000") + "'");
        }
        Instant effectiveFrom = null;
        if (blank(file.effectiveFrom())) {
            problems.add("effectiveFrom", "required (an ISO-8601 instant such as 2026-02-01T00:00:00Z)");
        } else {
            try {
                effectiveFrom = Instant.parse(file.effectiveFrom());
            } catch (DateTimeParseException e) {
                problems.add("effectiveFrom", "'" + file.effectiveFrom() + "' is not an ISO-8601 instant such as 2026-02-01T00:00:00Z");
            }
        }
        if (!"USD".equals(file.currency())) {
            problems.add("currency", "must be USD, was " + file.currency());
        }
        if (file.regions() == null || file.regions().isEmpty() || file.regions().stream().anyMatch(RateCardLoader::blank)) {
            problems.add("regions", "required, the regions whose prices this card holds; the first is used for events that name none");
        }
        BigDecimal per = file.tokenPricesPer();
        if (per == null || per.signum() <= 0) {
            problems.add("tokenPricesPer", "required and positive (e.g. 1000000 for prices per 1M tokens)");
            per = BigDecimal.ONE;
        }

        Map<String, BigDecimal> tiers = file.serviceTiers() == null ? Map.of() : file.serviceTiers();
        if (!tiers.containsKey(UsageEvent.DEFAULT_TIER)) {
            problems.add("serviceTiers", "must define 'default' (Bedrock's Standard tier)");
        }
        tiers.forEach((tier, multiplier) -> {
            if (multiplier == null || multiplier.signum() < 0) {
                problems.add("serviceTiers." + tier, "multiplier must be a non-negative decimal");
            } else {
                bounded(multiplier, "serviceTiers." + tier, problems);
            }
        });

        Map<Dimension, TokenDimensionRule> rules = tokenDimensionRules(file, problems);
        Map<String, Map<Dimension, TokenDimensionRule>> cachingRules = cachingRules(file, problems);
        Map<String, RateCard.LongContextRule> longContextRules = longContextRules(file, problems);
        BigDecimal[] accountPrices = new BigDecimal[Dimension.values().length];
        if (file.charges() != null) {
            file.charges().forEach((name, price) -> {
                Dimension dimension = dimension(name, "charges." + name, Dimension.PricedBy.ACCOUNT, problems);
                if (dimension != null) {
                    accountPrices[dimension.ordinal()] = UnitPrice.parse(price, "charges." + name, problems);
                }
            });
        }
        BigDecimal[] minimums = new BigDecimal[Dimension.values().length];
        if (file.minimums() != null) {
            file.minimums().forEach((name, minimum) -> {
                Dimension dimension = Dimension.byId(name);
                if (dimension == null) {
                    problems.add("minimums." + name, "unknown dimension");
                } else if (minimum == null || minimum.perHour() == null || minimum.perHour().signum() < 0) {
                    problems.add("minimums." + name + ".perHour", "required non-negative decimal (units billed per hour at least)");
                } else {
                    minimums[dimension.ordinal()] = minimum.perHour();
                }
            });
        }

        Map<String, RateCard.ModelRates> models = new LinkedHashMap<>();
        List<ModelEntry> entries = file.models() == null ? List.of() : file.models();
        if (entries.isEmpty()) {
            problems.add("models", "at least one model is required");
        }
        for (int i = 0; i < entries.size(); i++) {
            ModelEntry model = entries.get(i);
            String at = "models[" + i + "]";
            if (model == null || blank(model.id())) {
                problems.add(at + ".id", "required");
                continue;
            }
            problems.label(at, model.id());
            if (model.input() != null && model.input().signum() < 0) {
                problems.add(at + ".input", "price must not be negative");
                continue;
            }
            if (model.output() != null && model.output().signum() < 0) {
                problems.add(at + ".output", "price must not be negative");
                continue;
            }
            if (!bounded(model.input(), at + ".input", problems) || !bounded(model.output(), at + ".output", problems)) {
                continue;
            }
            BigDecimal[] flatPrices = new BigDecimal[Dimension.values().length];
            if (model.prices() != null) {
                model.prices().forEach((name, price) -> {
                    String where = at + ".prices." + name;
                    Dimension dimension = dimension(name, where, Dimension.PricedBy.MODEL, problems);
                    if (dimension != null) {
                        flatPrices[dimension.ordinal()] = UnitPrice.parse(price, where, problems);
                    }
                });
            }
            if (model.input() == null && model.output() == null && (model.prices() == null || model.prices().isEmpty())) {
                problems.add(at, "needs an input or output price, or prices");
                continue;
            }
            RateCard.LongContextRule longContext = null;
            if (model.longContext() != null) {
                longContext = longContextRules.get(model.longContext());
                if (longContext == null) {
                    problems.add(at + ".longContext", "no rule '" + model.longContext() + "' in longContextRules");
                } else if (model.input() == null) {
                    problems.add(at + ".longContext", "a long-context rule needs the model's input price");
                }
            }
            Map<Dimension, TokenDimensionRule> modelRules = rules;
            if (model.caching() != null) {
                Map<Dimension, TokenDimensionRule> caching = cachingRules.get(model.caching());
                if (caching == null) {
                    problems.add(at + ".caching", "no rule '" + model.caching() + "' in cachingRules");
                } else if (model.input() == null) {
                    problems.add(at + ".caching", "prompt caching prices need the model's input price");
                } else {
                    modelRules = new HashMap<>(rules);
                    modelRules.putAll(caching);
                }
            }
            RateCard.ModelRates rates = new RateCard.ModelRates(model.id(), model.name(),
                    tokenPricesByTier(model, modelRules, longContext, tiers, per, problems), flatPrices, longContext, model.stepDown());
            List<String> ids = new ArrayList<>();
            ids.add(model.id());
            if (model.aliases() != null) {
                ids.addAll(model.aliases());
            }
            for (String id : ids) {
                if (models.putIfAbsent(id, rates) != null) {
                    problems.add(at, "model id '" + id + "' is listed twice");
                }
            }
        }

        for (RateCard.ModelRates rates : models.values()) {
            if (rates.stepDown() != null && (!models.containsKey(rates.stepDown()) || rates.stepDown().equals(rates.modelId()))) {
                problems.add("models[" + rates.modelId() + "].stepDown", "'" + rates.stepDown()
                        + "' must be another model of this card (the smaller model of the same family)");
            }
        }
        problems.throwIfAny(file.version());
        List<String> prefixes = file.crossRegionPrefixes() == null ? List.of() : List.copyOf(file.crossRegionPrefixes());
        List<String> regionNaming = file.regionNamingPrefixes() == null ? List.of() : List.copyOf(file.regionNamingPrefixes());
        for (String prefix : regionNaming) {
            if (!prefixes.contains(prefix)) {
                problems.add("regionNamingPrefixes", "'" + prefix + "' is not one of crossRegionPrefixes");
            }
        }
        Map<String, String> usageTypeModels = usageTypeModels(file, models, problems);
        problems.throwIfAny(file.version());
        return new RateCard(file.version(), effectiveFrom, file.currency(), file.regions().get(0),
                Set.copyOf(file.regions()), Map.copyOf(models), Map.copyOf(tiers), prefixes, regionNaming, accountPrices, minimums,
                usageTypeModels, file.corrects() == null || file.corrects().isBlank() ? null : file.corrects().strip());
    }

    private static final Pattern USAGE_TYPE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.]*(-[A-Za-z0-9.]+)*");

    /** Model id → its name in AWS usage types: each a model of this card, each name once, none ending in a token-type word. */
    private static Map<String, String> usageTypeModels(RateCardFile file, Map<String, RateCard.ModelRates> models, Problems problems) {
        if (file.usageTypeModels() == null) {
            return Map.of();
        }
        Map<String, String> byName = new HashMap<>();
        file.usageTypeModels().forEach((modelId, name) -> {
            String at = "usageTypeModels." + modelId;
            RateCard.ModelRates rates = models.get(modelId);
            if (rates == null || !rates.modelId().equals(modelId)) {
                problems.add(at, "is not a model id of this card");
            } else if (name == null || !USAGE_TYPE_NAME.matcher(name).matches()) {
                problems.add(at, "must be the model's name in usage types, letters, digits, dots and single hyphens (e.g. NovaLite)");
            } else if (byName.putIfAbsent(name, modelId) != null) {
                problems.add(at, "'" + name + "' is already the name of " + byName.get(name));
            }
        });
        return Map.copyOf(file.usageTypeModels());
    }

    private static Map<Dimension, TokenDimensionRule> tokenDimensionRules(RateCardFile file, Problems problems) {
        Map<Dimension, TokenDimensionRule> rules = new HashMap<>();
        if (file.tokenDimensions() == null || file.tokenDimensions().isEmpty()) {
            problems.add("tokenDimensions", "required");
            return rules;
        }
        file.tokenDimensions().forEach((name, rule) -> {
            String at = "tokenDimensions." + name;
            Dimension dimension = dimension(name, at, Dimension.PricedBy.MODEL_TOKENS, problems);
            if (dimension == null) {
                return;
            }
            if (dimension.isLongContext()) {
                problems.add(at, "is priced by a model's longContext rule (see longContextRules), not here");
            } else if (rule == null || !("input".equals(rule.basedOn()) || "output".equals(rule.basedOn()))) {
                problems.add(at + ".basedOn", "must be 'input' or 'output'");
            } else if (rule.multiplier() == null || rule.multiplier().signum() < 0) {
                problems.add(at + ".multiplier", "must be a non-negative decimal");
            } else {
                rules.put(dimension, rule);
            }
        });
        return rules;
    }

    /**
     * Prompt caching prices by named rule (e.g. {@code claude-5m}): only the models that name a rule
     * have cache prices; cache usage on any other model is unpriced, never priced like another
     * family's.
     */
    private static Map<String, Map<Dimension, TokenDimensionRule>> cachingRules(RateCardFile file, Problems problems) {
        Map<String, Map<Dimension, TokenDimensionRule>> named = new HashMap<>();
        if (file.cachingRules() == null) {
            return named;
        }
        file.cachingRules().forEach((name, dimensions) -> {
            Map<Dimension, TokenDimensionRule> rules = new HashMap<>();
            if (dimensions == null || dimensions.isEmpty()) {
                problems.add("cachingRules." + name, "must price at least one cache dimension");
            } else {
                dimensions.forEach((dimensionName, rule) -> {
                    String at = "cachingRules." + name + "." + dimensionName;
                    Dimension dimension = dimension(dimensionName, at, Dimension.PricedBy.MODEL_TOKENS, problems);
                    if (dimension == null) {
                        return;
                    }
                    if (!dimensionName.startsWith("cache_")) {
                        problems.add(at, "only cache dimensions are priced in caching rules");
                    } else if (rule == null || !"input".equals(rule.basedOn())) {
                        problems.add(at + ".basedOn", "must be 'input' (cache tokens are prompt tokens)");
                    } else if (rule.multiplier() == null || rule.multiplier().signum() < 0) {
                        problems.add(at + ".multiplier", "must be a non-negative decimal");
                    } else if (bounded(rule.multiplier(), at + ".multiplier", problems)) {
                        rules.put(dimension, rule);
                    }
                });
            }
            named.put(name, rules);
        });
        return named;
    }

    private static Map<String, RateCard.LongContextRule> longContextRules(RateCardFile file, Problems problems) {
        Map<String, RateCard.LongContextRule> rules = new HashMap<>();
        if (file.longContextRules() == null) {
            return rules;
        }
        file.longContextRules().forEach((name, rule) -> {
            String at = "longContextRules." + name;
            if (rule == null || rule.inputTokensAbove() == null || rule.inputTokensAbove() < 0) {
                problems.add(at + ".inputTokensAbove", "required non-negative whole number of input tokens");
            } else if (rule.multiplier() == null || rule.multiplier().signum() < 0) {
                problems.add(at + ".multiplier", "required non-negative decimal");
            } else if (!"excess".equals(rule.billed()) && !"whole_request".equals(rule.billed())) {
                problems.add(at + ".billed", "must be 'excess' (tokens beyond the threshold) or 'whole_request'");
            } else {
                rules.put(name, new RateCard.LongContextRule(name, rule.inputTokensAbove(), rule.multiplier(),
                        "whole_request".equals(rule.billed())));
            }
        });
        return rules;
    }

    /** A known dimension priced the way the place in the card expects, or null (problem reported). */
    private static Dimension dimension(String name, String at, Dimension.PricedBy expected, Problems problems) {
        Dimension dimension = Dimension.byId(name);
        if (dimension == null) {
            problems.add(at, "unknown dimension; known here: " + Dimension.idsPricedBy(expected));
            return null;
        }
        if (dimension.pricedBy() != expected) {
            problems.add(at, switch (dimension.pricedBy()) {
                case MODEL_TOKENS -> "is a token dimension: price it with the model's input/output and tokenDimensions";
                case MODEL -> "is priced per model: put it under a model's prices";
                case ACCOUNT -> "is priced account-wide: put it under charges";
            });
            return null;
        }
        return dimension;
    }

    /** price per unit = model price × dimension multiplier × tier multiplier ÷ tokenPricesPer, exactly. */
    private static Map<String, BigDecimal[]> tokenPricesByTier(ModelEntry model, Map<Dimension, TokenDimensionRule> rules,
                                                               RateCard.LongContextRule longContext, Map<String, BigDecimal> tiers,
                                                               BigDecimal per, Problems problems) {
        Map<String, BigDecimal[]> byTier = new HashMap<>();
        if (model.input() == null && model.output() == null) {
            return byTier;
        }
        tiers.forEach((tier, tierMultiplier) -> {
            if (tierMultiplier == null) {
                return;
            }
            BigDecimal[] prices = new BigDecimal[Dimension.values().length];
            rules.forEach((dimension, rule) -> {
                BigDecimal base = "input".equals(rule.basedOn()) ? model.input() : model.output();
                if (base != null) {
                    prices[dimension.ordinal()] = exactQuotient(base.multiply(rule.multiplier()).multiply(tierMultiplier), per, problems);
                }
            });
            if (longContext != null) { // each kind of prompt token beyond the threshold: the multiplier × its own price
                for (Dimension kind : Dimension.PROMPT_LAYOUT) {
                    BigDecimal price = prices[kind.ordinal()];
                    if (price != null) {
                        prices[kind.longContext().ordinal()] = price.multiply(longContext.multiplier()).stripTrailingZeros();
                    }
                }
            }
            byTier.put(tier, prices);
        });
        return byTier;
    }

    private static BigDecimal exactQuotient(BigDecimal dividend, BigDecimal divisor, Problems problems) {
        try {
            return dividend.divide(divisor).stripTrailingZeros();
        } catch (ArithmeticException e) {
            problems.add("tokenPricesPer", divisor.toPlainString() + " does not give exact unit prices; use a power of ten");
            return BigDecimal.ZERO;
        }
    }

    /** For every place in the YAML (as a JSON pointer such as /models/3/input), the line it is on. */
    private static Map<String, Integer> lineIndex(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML_FACTORY.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                String pointer = p.getParsingContext().pathAsPointer().toString();
                lines.putIfAbsent(pointer, p.currentTokenLocation().getLineNr());
            }
        } catch (IOException e) {
            // already parsed once; lines are a courtesy
        }
        return lines;
    }

    /** The problems found so far, each with its place (e.g. models[3].input) and line. */
    private static final class Problems {
        private final Map<String, Integer> lines;
        private final Map<String, String> labels = new HashMap<>();
        private final List<String> found = new ArrayList<>();

        Problems(Map<String, Integer> lines) {
            this.lines = lines;
        }

        void label(String place, String label) {
            labels.put(place, label);
        }

        void add(String place, String message) {
            String shown = place;
            for (Map.Entry<String, String> label : labels.entrySet()) {
                if (place.equals(label.getKey()) || place.startsWith(label.getKey() + ".")) {
                    shown = label.getKey() + " (" + label.getValue() + ")" + place.substring(label.getKey().length());
                }
            }
            Integer line = lineOf(place);
            found.add((line == null ? "" : "line " + line + ": ") + shown + ": " + message);
        }

        private Integer lineOf(String place) {
            String pointer = "/" + place.replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
            while (!pointer.isEmpty()) {
                Integer line = lines.get(pointer);
                if (line != null) {
                    return line;
                }
                pointer = pointer.substring(0, pointer.lastIndexOf('/'));
            }
            return null;
        }

        void throwIfAny(String version) {
            if (!found.isEmpty()) {
                throw new RateCardException("rate card " + (blank(version) ? "" : version + " ")
                        + "is invalid:\n  - " + String.join("\n  - ", found), List.copyOf(found));
            }
        }
    }

    /** Prices written as in the guide: "0.15 per 1000" (USD per 1,000 units) or a plain decimal per unit. */
    static final class UnitPrice {
        private UnitPrice() {
        }

        static BigDecimal parse(String text, String place, Problems problems) {
            if (text == null || text.isBlank()) {
                problems.add(place, "price required");
                return null;
            }
            String[] parts = text.strip().split("\\s+per\\s+");
            try {
                BigDecimal price = new BigDecimal(parts[0].replace("$", "").replace(",", ""));
                BigDecimal units = parts.length == 2 ? new BigDecimal(parts[1].replace(",", "")) : BigDecimal.ONE;
                if (parts.length > 2 || units.signum() <= 0) {
                    problems.add(place, "'" + text + "' is not a price such as \"0.15 per 1000\" or \"4.75\"");
                    return null;
                }
                if (price.signum() < 0) {
                    problems.add(place, "price must not be negative, was " + text);
                    return null;
                }
                if (!bounded(price, place, problems) || !bounded(units, place, problems)) {
                    return null;
                }
                return price.divide(units).stripTrailingZeros();
            } catch (NumberFormatException e) {
                problems.add(place, "'" + text + "' is not a price such as \"0.15 per 1000\" or \"4.75\"");
                return null;
            } catch (ArithmeticException e) {
                problems.add(place, "'" + text + "' does not give an exact unit price; use a power of ten after 'per'");
                return null;
            }
        }
    }

    /** Version names: short, and safe in a URL, a file name, a metric label and a log line. */
    private static final java.util.regex.Pattern VERSION_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** No Bedrock price, multiplier or unit count comes near 10^9; a figure beyond it is a typo, not a price. */
    private static final BigDecimal LARGEST_FIGURE = new BigDecimal("1000000000");
    private static final int MOST_DECIMALS = 20;

    /** False (with a problem) for a figure that is surely a mistake: 1e999999999, or more decimals than any price needs. */
    static boolean bounded(BigDecimal figure, String place, Problems problems) {
        if (figure == null) {
            return true;
        }
        if (figure.abs().compareTo(LARGEST_FIGURE) >= 0 || figure.stripTrailingZeros().scale() > MOST_DECIMALS) {
            String shown = figure.toString();
            problems.add(place, (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown) + " is out of range: figures must be below "
                    + LARGEST_FIGURE.toPlainString() + " with at most " + MOST_DECIMALS + " decimals");
            return false;
        }
        return true;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
