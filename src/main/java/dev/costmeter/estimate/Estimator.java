package dev.costmeter.estimate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.pricing.UsageEvent;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Prices a {@link Scenario} for one month: each component's event is decoded exactly as the
 * service would decode it from Kafka, priced once by the same {@link Pricer}, and multiplied by
 * how many such events happen in a month. Exact decimals throughout; pure apart from the clock.
 */
public final class Estimator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigDecimal DEFAULT_DAYS = BigDecimal.valueOf(30);
    private static final BigDecimal DEFAULT_HOURS = BigDecimal.valueOf(730);

    private final RateCardTimeline timeline;
    private final Pricer pricer = new Pricer();

    public Estimator(RateCardTimeline timeline) {
        this.timeline = timeline;
    }

    /** A component's monthly cost, by dimension. */
    public record ComponentCost(String name, BigDecimal eventsPerMonth, List<CostLine> monthlyLines, BigDecimal monthlyUsd,
                                boolean declared, String note) {
    }

    public record TotalCost(String name, BigDecimal monthlyUsd) {
    }

    public record Estimate(String scenario, String rateCardVersion, BigDecimal daysPerMonth, BigDecimal hoursPerMonth,
                           List<ComponentCost> components, List<TotalCost> totals) {
    }

    /** A scenario that cannot be estimated, with the component and reason. */
    public static final class EstimateException extends Exception {
        public EstimateException(String message) {
            super(message);
        }
    }

    public Estimate estimate(Scenario scenario) throws EstimateException {
        Instant at = scenario.at() == null ? Instant.now() : Instant.parse(scenario.at());
        RateCard card = timeline.cardAt(at);
        if (card == null) {
            throw new EstimateException("no rate card is in effect at " + at);
        }
        return estimate(scenario, card);
    }

    /** The scenario under this card, whatever its effectiveFrom: "what would it cost under the new card". */
    public Estimate estimate(Scenario scenario, RateCard card) throws EstimateException {
        Instant at = scenario.at() == null ? Instant.now() : Instant.parse(scenario.at());
        BigDecimal days = scenario.month() == null || scenario.month().days() == null ? DEFAULT_DAYS : scenario.month().days();
        BigDecimal hours = scenario.month() == null || scenario.month().hours() == null ? DEFAULT_HOURS : scenario.month().hours();
        CloudEventDecoder decoder = new CloudEventDecoder(new CloudEventDecoder.Limits(1 << 20, Long.MAX_VALUE / 4,
                Duration.ofDays(36_500)), Clock.systemUTC());
        if (scenario.components() == null || scenario.components().isEmpty()) {
            throw new EstimateException("components: at least one is required");
        }
        List<ComponentCost> components = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Scenario.Component component : scenario.components()) {
            if (component.name() == null || !names.add(component.name())) {
                throw new EstimateException("every component needs a unique name; '" + component.name() + "' is missing or repeated");
            }
            components.add(cost(component, at, days, hours, card, decoder));
        }
        List<TotalCost> totals = new ArrayList<>();
        List<Scenario.Total> wanted = scenario.totals() == null || scenario.totals().isEmpty()
                ? List.of(new Scenario.Total("Total", null)) : scenario.totals();
        for (Scenario.Total total : wanted) {
            BigDecimal sum = BigDecimal.ZERO;
            List<String> included = total.components() == null
                    ? components.stream().map(ComponentCost::name).toList() : total.components();
            for (String name : included) {
                ComponentCost c = components.stream().filter(x -> x.name().equals(name)).findFirst()
                        .orElseThrow(() -> new EstimateException("total '" + total.name() + "' names no component '" + name + "'"));
                sum = sum.add(c.monthlyUsd());
            }
            totals.add(new TotalCost(total.name(), sum));
        }
        return new Estimate(scenario.name(), card.version(), days, hours, components, totals);
    }

    /** The component's data with its review fields applied: model, tier, cache hit rate. */
    private static ObjectNode reviewed(Scenario.Component c, String where) throws EstimateException {
        ObjectNode data = ((ObjectNode) c.data()).deepCopy();
        if (c.model() != null) {
            data.put("modelId", c.model());
        }
        if (c.tier() != null) {
            data.put("serviceTier", c.tier());
        }
        if (c.cacheHitRate() != null) {
            BigDecimal rate = c.cacheHitRate();
            if (rate.signum() < 0 || rate.compareTo(BigDecimal.ONE) > 0) {
                throw new EstimateException(where + ": cacheHitRate must be from 0 to 1");
            }
            if (!(data.get("usage") instanceof ObjectNode usage) || !usage.path("inputTokens").canConvertToLong()) {
                throw new EstimateException(where + ": cacheHitRate needs data.usage.inputTokens, the prompt it applies to");
            }
            BigDecimal input = usage.get("inputTokens").decimalValue();
            BigDecimal read = input.multiply(rate).setScale(0, java.math.RoundingMode.HALF_EVEN); // whole tokens
            usage.put("inputTokens", input.subtract(read).longValueExact());
            long cachedBefore = usage.path("cacheReadInputTokens").asLong(0);
            usage.put("cacheReadInputTokens", cachedBefore + read.longValueExact());
        }
        return data;
    }

    private ComponentCost cost(Scenario.Component c, Instant at, BigDecimal days, BigDecimal hours, RateCard card,
                               CloudEventDecoder decoder) throws EstimateException {
        String where = "component '" + c.name() + "'";
        if (c.declaredMonthlyUsd() != null) {
            if (c.type() != null || c.data() != null) {
                throw new EstimateException(where + ": declaredMonthlyUsd excludes type and data");
            }
            return new ComponentCost(c.name(), null, List.of(), c.declaredMonthlyUsd(), true, c.note());
        }
        int given = (c.perDay() == null ? 0 : 1) + (c.perMonth() == null ? 0 : 1) + (c.perHour() == null ? 0 : 1);
        if (given != 1) {
            throw new EstimateException(where + ": give exactly one of perDay, perMonth, perHour (or declaredMonthlyUsd)");
        }
        BigDecimal perMonth = c.perDay() != null ? c.perDay().multiply(days)
                : c.perHour() != null ? c.perHour().multiply(hours) : c.perMonth();
        if (perMonth.signum() < 0) {
            throw new EstimateException(where + ": volumes must not be negative");
        }
        if (c.type() == null || !(c.data() instanceof ObjectNode)) {
            throw new EstimateException(where + ": type and data (an object, as in a usage event) are required");
        }
        if (c.callsPerInteraction() != null) {
            if (c.callsPerInteraction().signum() <= 0) {
                throw new EstimateException(where + ": callsPerInteraction must be more than 0");
            }
            perMonth = perMonth.multiply(c.callsPerInteraction());
        }
        ObjectNode event = JSON.createObjectNode();
        event.put("specversion", "1.0").put("id", "estimate").put("source", "estimate").put("type", c.type()).put("time", at.toString());
        event.set("data", reviewed(c, where));
        UsageEvent usage;
        try {
            usage = decoder.decode(JSON.writeValueAsBytes(event));
        } catch (InvalidEventException e) {
            throw new EstimateException(where + ": " + e.getMessage());
        } catch (Exception e) {
            throw new EstimateException(where + ": " + e.getMessage());
        }
        PricingResult result = pricer.price(usage, card);
        if (result instanceof PricingResult.Unpriced u) {
            throw new EstimateException(where + ": cannot be priced: " + u.reason());
        }
        PricedEvent priced = ((PricingResult.Priced) result).pricedEvent();
        List<CostLine> lines = new ArrayList<>();
        for (CostLine line : priced.lines()) {
            lines.add(new CostLine(line.dimension(), line.quantity().multiply(perMonth), line.unitPriceUsd(),
                    line.costUsd().multiply(perMonth)));
        }
        return new ComponentCost(c.name(), perMonth, lines, priced.totalUsd().multiply(perMonth), false, c.note());
    }
}
