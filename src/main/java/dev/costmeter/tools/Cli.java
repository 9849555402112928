package dev.costmeter.tools;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.costmeter.decoding.Attribution;
import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.decoding.UsageRecordDecoder;
import dev.costmeter.estimate.CostDiff;
import dev.costmeter.estimate.Estimator;
import dev.costmeter.estimate.Scenario;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Money;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.RateCardException;
import dev.costmeter.pricing.RateCardLoader;
import dev.costmeter.pricing.RateCardTimeline;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.ratecard.RateCardCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The offline commands: no Kafka, no PostgreSQL, the same decoder and pricer as the service.
 * <pre>
 *   price    [--rate-card FILE]... FILE|-     one JSON line per event (any format the service reads), with its exact cost
 *   estimate [--rate-card FILE]... [--json] SCENARIO   a month of a workload, by component
 * </pre>
 * Rate cards: the bundled versions, or only the files given with {@code --rate-card}.
 * Exit codes: 0 all well, 1 some input could not be priced (reported on stderr), 2 usage error.
 * {@code --help} on each command.
 */
public final class Cli {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final PrintStream err;

    public Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = new Cli(System.out, System.err).run(args, System.in);
        System.out.flush();
        System.exit(code);
    }

    /** Runs {@code price} or {@code estimate}; returns the exit code. */
    public int run(String[] args, java.io.InputStream stdin) {
        CommandLine commands = Commands.line(new Offline(), out, err)
                .addSubcommand(Commands.configure(new CommandLine(new PriceCommand(stdin)), out, err))
                .addSubcommand(Commands.configure(new CommandLine(new EstimateCommand()), out, err))
                .addSubcommand(Commands.configure(new CommandLine(new SavingsCommand(stdin)), out, err));
        return Commands.execute(commands, args, err);
    }

    @Command(name = "costmeter", synopsisSubcommandLabel = "(price | estimate | savings)",
            description = "The offline commands: no Kafka, no PostgreSQL, the same decoder and pricer as the service.")
    static final class Offline extends Commands.NeedsSubcommand {
    }

    /** Rate cards: the bundled versions, or only the files given. */
    abstract class WithRateCards {
        @Option(names = "--rate-card", paramLabel = "FILE",
                description = "Price with this rate card file (repeatable) instead of the bundled versions.")
        List<Path> rateCards = new ArrayList<>();

        /** @return null (after saying why) if a file does not load */
        RateCardTimeline timeline() throws IOException {
            List<RateCard> cards = new ArrayList<>();
            for (Path file : rateCards) {
                try {
                    cards.add(RateCardLoader.parse(Files.readString(file)));
                } catch (RateCardException e) {
                    err.println(file + ": " + e.getMessage());
                    return null;
                }
            }
            return new RateCardTimeline(cards.isEmpty() ? RateCardCatalog.loadBundled() : cards);
        }
    }

    @Command(name = "price",
            description = {"Prices usage events offline: each event's exact cost as one JSON line on stdout; events that cannot be "
                    + "priced go to stderr with their line and reason.",
                    "With --diff-card: the events' cost under the current cards and under NEW.yaml, by source, model and dimension, "
                            + "as Markdown (or --json) for a pull-request comment.",
                    "Exit codes: 0 all priced, 1 some could not be priced, 2 usage error, 3 the total rose more than --fail-above."})
    final class PriceCommand extends WithRateCards implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Commands.Help help;

        private final java.io.InputStream stdin;

        @Parameters(paramLabel = "FILE|-", description = "Usage records in any format the service reads: JSON values, one per line "
                + "or pretty-printed; - reads standard input.")
        String input;

        @Option(names = "--diff-card", paramLabel = "NEW.yaml", description = "Compare with the cost under this rate card.")
        Path diffCard;

        @Mixin
        DiffOutput output;

        PriceCommand(java.io.InputStream stdin) {
            this.stdin = stdin;
        }

        @Override
        public Integer call() throws IOException {
            RateCardTimeline timeline = timeline();
            if (timeline == null) {
                return 2;
            }
            if (diffCard == null) {
                return price(timeline, input, stdin);
            }
            RateCard after = card(diffCard);
            return after == null ? 2 : priceDiff(timeline, after, input, stdin, output);
        }
    }

    @Command(name = "estimate",
            description = {"What a workload costs a month, by component (see scenarios/).",
                    "--diff BEFORE.yaml AFTER.yaml: what the change between two scenarios costs; --diff-card: one scenario under the "
                            + "bundled cards and under the --rate-card files. Markdown (or --json) for a pull-request comment.",
                    "Exit codes: 0 estimated, 1 the scenario cannot be priced, 2 usage error, 3 a total rose more than --fail-above."})
    final class EstimateCommand extends WithRateCards implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Commands.Help help;

        @Option(names = "--json", description = "The estimate as JSON instead of a table.")
        boolean json;

        @Option(names = "--diff", description = "Two scenarios, before and after: what the change costs.")
        boolean diff;

        @Option(names = "--diff-card", description = "One scenario, under the bundled cards and under the --rate-card files.")
        boolean diffCard;

        @Option(names = "--fail-above", paramLabel = "PCT", description = "With a diff: exit 3 when a total rises by more than PCT percent.")
        BigDecimal failAbove;

        @Parameters(paramLabel = "SCENARIO.yaml", arity = "1..2", description = "The workload: requests, tokens, components.")
        List<String> scenarios;

        @Override
        public Integer call() throws IOException {
            if (diff && diffCard) {
                err.println("estimate: --diff (two scenarios) or --diff-card (two cards), not both");
                return 2;
            }
            if (scenarios.size() != (diff ? 2 : 1)) {
                err.println(diff ? "estimate --diff: give two scenarios, BEFORE.yaml AFTER.yaml" : "estimate: give one scenario");
                return 2;
            }
            if (diffCard && rateCards.isEmpty()) {
                err.println("estimate --diff-card: give the new card with --rate-card NEW.yaml");
                return 2;
            }
            if (!diff && !diffCard) {
                RateCardTimeline timeline = timeline();
                return timeline == null ? 2 : estimate(timeline, scenarios.get(0), json);
            }
            DiffOutput output = new DiffOutput();
            output.json = json;
            output.failAbove = failAbove;
            if (diff) {
                RateCardTimeline timeline = timeline();
                return timeline == null ? 2 : estimateDiff(timeline, scenarios.get(0), scenarios.get(1), output);
            }
            RateCardTimeline after = timeline();
            if (after == null) {
                return 2;
            }
            RateCard newest = after.cards().get(after.cards().size() - 1);
            return estimateCardDiff(new RateCardTimeline(RateCardCatalog.loadBundled()), newest, scenarios.get(0), output);
        }
    }

    @Command(name = "savings",
            description = {"The savings advisor offline: a file of events priced with the current cards, and what batch, Flex or "
                    + "the smaller model of the same family would save each source on each model (as the service's /api/v1/savings).",
                    "Exit codes: 0 advised, 1 some events could not be priced, 2 usage error."})
    final class SavingsCommand extends WithRateCards implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Commands.Help help;

        private final java.io.InputStream stdin;

        @Option(names = "--json", description = "As JSON instead of a Markdown table.")
        boolean json;

        @Option(names = "--days", paramLabel = "N", description = "How many days the file covers, for the monthly projection "
                + "(default: the span of the events' times, at least one day).")
        BigDecimal days;

        @Parameters(paramLabel = "FILE|-", description = "Usage records in any format the service reads; - reads standard input.")
        String input;

        SavingsCommand(java.io.InputStream stdin) {
            this.stdin = stdin;
        }

        @Override
        public Integer call() throws IOException {
            RateCardTimeline timeline = timeline();
            return timeline == null ? 2 : savings(timeline, input, stdin, days, json);
        }
    }

    int savings(RateCardTimeline timeline, String input, java.io.InputStream stdin, BigDecimal days, boolean json) throws IOException {
        String text = readInput(input, stdin);
        if (text == null) {
            return 2;
        }
        UsageRecordDecoder decoder = offlineDecoder();
        Pricer pricer = new Pricer();
        Map<List<String>, BigDecimal[]> sums = new LinkedHashMap<>();
        java.util.TreeMap<List<String>, BigDecimal[]> writes5m = new java.util.TreeMap<>(java.util.Comparator.comparing((List<String> k) -> k.get(0))
                .thenComparing(k -> k.get(1)).thenComparing(k -> k.get(2)).thenComparing(k -> k.get(3)));
        java.time.Instant first = null;
        java.time.Instant last = null;
        RateCard card = null;
        int bad = 0;
        for (JsonValues.Value value : JsonValues.split(text)) {
            try {
                UsageEvent event = decoder.decode(value.text().getBytes(StandardCharsets.UTF_8)).event();
                PricingResult result = pricer.price(event, timeline.cardAt(event.time()));
                if (result instanceof PricingResult.Unpriced u) {
                    bad++;
                    err.println("line " + value.line() + ": unpriced: " + u.reason());
                    continue;
                }
                PricedEvent priced = ((PricingResult.Priced) result).pricedEvent();
                first = first == null || event.time().isBefore(first) ? event.time() : first;
                last = last == null || event.time().isAfter(last) ? event.time() : last;
                for (CostLine line : priced.lines()) {
                    BigDecimal[] sum = sums.computeIfAbsent(List.of(event.source(), priced.baseModelId(), event.serviceTier(),
                            line.dimension().id()), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                    sum[0] = sum[0].add(line.quantity());
                    sum[1] = sum[1].add(line.costUsd());
                    if (line.dimension() == dev.costmeter.pricing.Dimension.CACHE_WRITE_5M_INPUT_TOKENS) {
                        BigDecimal[] w = writes5m.computeIfAbsent(List.of(event.source(), priced.baseModelId(), event.serviceTier(),
                                event.time().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString()),
                                k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                        w[0] = w[0].add(line.quantity());
                        w[1] = w[1].add(line.costUsd());
                    }
                }
            } catch (InvalidEventException e) {
                bad++;
                err.println("line " + value.line() + ": invalid: " + e.getMessage());
            }
        }
        if (first == null) {
            err.println("savings: no event of " + input + " could be priced, so there is nothing to advise on");
            return bad == 0 ? 2 : 1;
        }
        card = timeline.cardAt(last);
        Duration span = days != null ? Duration.ofSeconds(days.multiply(BigDecimal.valueOf(86_400)).longValue())
                : Duration.between(first, last).compareTo(Duration.ofDays(1)) < 0 ? Duration.ofDays(1) : Duration.between(first, last);
        List<dev.costmeter.savings.SavingsAdvisor.Usage> usage = new ArrayList<>();
        sums.forEach((k, v) -> usage.add(new dev.costmeter.savings.SavingsAdvisor.Usage(k.get(0), k.get(1), k.get(2),
                dev.costmeter.pricing.Dimension.byId(k.get(3)), v[0], v[1])));
        List<dev.costmeter.savings.SavingsAdvisor.CacheWrites> writes = new ArrayList<>();
        writes5m.forEach((k, v) -> writes.add(new dev.costmeter.savings.SavingsAdvisor.CacheWrites(k.get(0), k.get(1), k.get(2),
                java.time.Instant.parse(k.get(3)), v[0], v[1])));
        dev.costmeter.savings.SavingsAdvisor.Advice advice = dev.costmeter.savings.SavingsAdvisor.advise(usage, List.of(), writes, card, span,
                dev.costmeter.savings.SavingsAdvisor.Assumptions.DEFAULT);
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("rate_card_version", card.version());
            root.put("days", Money.plain(BigDecimal.valueOf(span.toSeconds()).divide(BigDecimal.valueOf(86_400), java.math.MathContext.DECIMAL64)));
            List<Map<String, String>> recommendations = new ArrayList<>();
            for (dev.costmeter.savings.SavingsAdvisor.Recommendation r : advice.recommendations()) {
                Map<String, String> m = new LinkedHashMap<>();
                m.put("source", r.source());
                m.put("model", r.model());
                m.put("strategy", r.strategy());
                m.put("cost_now_usd", Money.plain(r.costNowUsd()));
                m.put("cost_alternative_usd", Money.plain(r.costAlternativeUsd()));
                m.put("saving_usd", Money.plain(r.savingUsd()));
                m.put("cost_now_per_month_usd", Money.plain(r.costNowPerMonthUsd()));
                m.put("cost_alternative_per_month_usd", Money.plain(r.costAlternativePerMonthUsd()));
                m.put("saving_per_month_usd", Money.plain(r.savingPerMonthUsd()));
                m.put("assumption", r.assumption());
                recommendations.add(m);
            }
            root.put("recommendations", recommendations);
            root.put("skipped", advice.skipped());
            out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            out.println("### Savings available (rate card " + card.version() + ")\n");
            out.println("| source | model | strategy | cost now | alternative | saving | saving per 30-day month | assumption |");
            out.println("|---|---|---|---:|---:|---:|---:|---|");
            for (dev.costmeter.savings.SavingsAdvisor.Recommendation r : advice.recommendations()) {
                out.println("| " + r.source() + " | " + r.model() + " | " + r.strategy() + " | " + dollars(r.costNowUsd()) + " | "
                        + dollars(r.costAlternativeUsd()) + " | " + dollars(r.savingUsd()) + " | " + dollars(r.savingPerMonthUsd()) + " | "
                        + r.assumption() + " |");
            }
            if (!advice.skipped().isEmpty()) {
                out.println("\nSkipped:");
                advice.skipped().forEach(x -> out.println("- " + x.source() + " / " + x.model() + " / " + x.strategy() + ": " + x.reason()));
            }
        }
        return bad == 0 ? 0 : 1;
    }

    /** How a diff is shown, and when it fails. */
    static final class DiffOutput {
        @Option(names = "--json", description = "The diff as JSON instead of Markdown.")
        boolean json;

        @Option(names = "--fail-above", paramLabel = "PCT", description = "Exit 3 when the total rises by more than PCT percent.")
        BigDecimal failAbove;
    }

    private RateCard card(Path file) throws IOException {
        try {
            return RateCardLoader.parse(Files.readString(file));
        } catch (RateCardException e) {
            err.println(file + ": " + e.getMessage());
            return null;
        } catch (java.nio.file.NoSuchFileException e) {
            err.println(file + ": no such file");
            return null;
        }
    }

    int estimateDiff(RateCardTimeline timeline, String beforeFile, String afterFile, DiffOutput output) throws IOException {
        Estimator estimator = new Estimator(timeline);
        Estimator.Estimate before = estimateOf(beforeFile, s -> estimator.estimate(s));
        Estimator.Estimate after = before == null ? null : estimateOf(afterFile, s -> estimator.estimate(s));
        if (before == null || after == null) {
            return 1;
        }
        return show(CostDiff.of(before, after, beforeFile + " (rate card " + before.rateCardVersion() + ")",
                afterFile + " (rate card " + after.rateCardVersion() + ")"), output);
    }

    int estimateCardDiff(RateCardTimeline current, RateCard newCard, String file, DiffOutput output) throws IOException {
        Estimator.Estimate before = estimateOf(file, s -> new Estimator(current).estimate(s));
        Estimator.Estimate after = before == null ? null : estimateOf(file, s -> new Estimator(current).estimate(s, newCard));
        if (before == null || after == null) {
            return 1;
        }
        return show(CostDiff.of(before, after, "rate card " + before.rateCardVersion(), "rate card " + newCard.version()), output);
    }

    private interface Estimation {
        Estimator.Estimate of(Scenario scenario) throws Estimator.EstimateException;
    }

    private Estimator.Estimate estimateOf(String file, Estimation estimation) throws IOException {
        try {
            return estimation.of(Scenario.parse(Files.readString(Path.of(file))));
        } catch (Estimator.EstimateException | IOException e) {
            err.println(file + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * The events of a file under the current cards and under a new one. An event either card cannot
     * price is reported on stderr and left out of both sides, so the diff compares like with like.
     */
    int priceDiff(RateCardTimeline timeline, RateCard newCard, String input, java.io.InputStream stdin, DiffOutput output)
            throws IOException {
        String text = readInput(input, stdin);
        if (text == null) {
            return 2;
        }
        UsageRecordDecoder decoder = offlineDecoder();
        Pricer pricer = new Pricer();
        List<PricedEvent> before = new ArrayList<>();
        List<PricedEvent> after = new ArrayList<>();
        int bad = 0;
        for (JsonValues.Value value : JsonValues.split(text)) {
            try {
                UsageEvent event = decoder.decode(value.text().getBytes(StandardCharsets.UTF_8)).event();
                PricingResult was = pricer.price(event, timeline.cardAt(event.time()));
                PricingResult will = pricer.price(event, newCard);
                if (was instanceof PricingResult.Priced b && will instanceof PricingResult.Priced a) {
                    before.add(b.pricedEvent());
                    after.add(a.pricedEvent());
                } else {
                    bad++;
                    err.println("line " + value.line() + ": unpriced " + (was instanceof PricingResult.Unpriced u ? "now: " + u.reason()
                            : "under " + newCard.version() + ": " + ((PricingResult.Unpriced) will).reason()));
                }
            } catch (InvalidEventException e) {
                bad++;
                err.println("line " + value.line() + ": invalid: " + e.getMessage());
            }
        }
        int shown = show(CostDiff.ofEvents(input + " (" + before.size() + " events)", "current rate cards", "rate card " + newCard.version(),
                before, after), output);
        return shown != 0 ? shown : bad == 0 ? 0 : 1;
    }

    private int show(CostDiff diff, DiffOutput output) throws IOException {
        if (output.json) {
            out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(diff.json()));
        } else {
            out.print(diff.markdown());
        }
        if (output.failAbove != null && diff.risesAbove(output.failAbove)) {
            err.println("a total rose by more than " + output.failAbove.toPlainString() + "% (--fail-above)");
            return 3;
        }
        return 0;
    }

    /** The service's decoder, with limits for files rather than a stream: any record size up to 1 MiB, any age. */
    private static UsageRecordDecoder offlineDecoder() {
        CloudEventDecoder.Limits limits = new CloudEventDecoder.Limits(1 << 20, 1_000_000_000L, Duration.ofDays(36_500));
        return new UsageRecordDecoder(new CloudEventDecoder(limits, Clock.systemUTC()), limits, Attribution.defaults());
    }

    private String readInput(String input, java.io.InputStream stdin) throws IOException {
        if ("-".equals(input)) {
            return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path file = Path.of(input);
        if (!Files.isReadable(file)) {
            err.println("price: " + input + ": no such file (give a file of events, or - for standard input)");
            return null;
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /**
     * Prices events: JSON values one per line or pretty-printed, as laid out; bad ones go to stderr
     * with the line they start on and the reason.
     */
    int price(RateCardTimeline timeline, String input, java.io.InputStream stdin) throws IOException {
        UsageRecordDecoder decoder = offlineDecoder();
        Pricer pricer = new Pricer();
        int bad = 0;
        int priced = 0;
        BigDecimal total = BigDecimal.ZERO;
        String text = readInput(input, stdin);
        if (text == null) {
            return 2;
        }
        for (JsonValues.Value value : JsonValues.split(text)) {
            int lineNumber = value.line();
            UsageEvent event;
            try {
                event = decoder.decode(value.text().getBytes(StandardCharsets.UTF_8)).event();
            } catch (InvalidEventException e) {
                err.println("line " + lineNumber + ": invalid: " + e.getMessage());
                bad++;
                continue;
            }
            PricingResult result = pricer.price(event, timeline.cardAt(event.time()));
            if (result instanceof PricingResult.Unpriced u) {
                err.println("line " + lineNumber + ": unpriced (id " + event.id() + "): " + u.reason());
                bad++;
                continue;
            }
            PricedEvent p = ((PricingResult.Priced) result).pricedEvent();
            out.println(pricedLine(p));
            priced++;
            total = total.add(p.totalUsd());
        }
        err.println("priced " + priced + " event(s), total " + Money.plain(total) + " USD"
                + (bad == 0 ? "" : "; " + bad + " line(s) could not be priced"));
        return bad == 0 ? 0 : 1;
    }

    static String pricedLine(PricedEvent p) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(text)) {
            UsageEvent e = p.event();
            g.writeStartObject();
            g.writeStringField("id", e.id());
            g.writeStringField("source", e.source());
            g.writeStringField("type", e.type());
            g.writeStringField("time", e.time().toString());
            g.writeStringField("model_id", p.baseModelId());
            g.writeStringField("region", p.region());
            g.writeStringField("service_tier", e.serviceTier());
            g.writeStringField("cost_usd", Money.plain(p.totalUsd()));
            g.writeStringField("rate_card_version", p.rateCardVersion());
            g.writeArrayFieldStart("lines");
            for (CostLine line : p.lines()) {
                g.writeStartObject();
                g.writeStringField("dimension", line.dimension().id());
                g.writeStringField("quantity", Money.plain(line.quantity()));
                g.writeStringField("unit", line.dimension().unit());
                g.writeStringField("unit_price_usd", Money.plain(line.unitPriceUsd()));
                g.writeStringField("cost_usd", Money.plain(line.costUsd()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return text.toString();
    }

    int estimate(RateCardTimeline timeline, String file, boolean json) throws IOException {
        Scenario scenario;
        try {
            scenario = Scenario.parse(Files.readString(Path.of(file)));
        } catch (IOException e) {
            err.println(file + ": " + e.getMessage());
            return 2;
        }
        Estimator.Estimate estimate;
        try {
            estimate = new Estimator(timeline).estimate(scenario);
        } catch (Estimator.EstimateException e) {
            err.println(file + ": " + e.getMessage());
            return 1;
        }
        if (json) {
            out.println(JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(asJson(estimate)));
        } else {
            printTable(estimate);
        }
        return 0;
    }

    static Map<String, Object> asJson(Estimator.Estimate e) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", e.scenario());
        root.put("rate_card_version", e.rateCardVersion());
        root.put("days_per_month", Money.plain(e.daysPerMonth()));
        root.put("hours_per_month", Money.plain(e.hoursPerMonth()));
        List<Map<String, Object>> components = new ArrayList<>();
        for (Estimator.ComponentCost c : e.components()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("monthly_usd", Money.plain(c.monthlyUsd()));
            m.put("declared", c.declared());
            if (c.eventsPerMonth() != null) {
                m.put("events_per_month", Money.plain(c.eventsPerMonth()));
            }
            List<Map<String, String>> lines = new ArrayList<>();
            for (CostLine line : c.monthlyLines()) {
                lines.add(Map.of("dimension", line.dimension().id(), "quantity", Money.plain(line.quantity()),
                        "unit_price_usd", Money.plain(line.unitPriceUsd()), "monthly_usd", Money.plain(line.costUsd())));
            }
            m.put("lines", lines);
            if (c.note() != null) {
                m.put("note", c.note());
            }
            components.add(m);
        }
        root.put("components", components);
        List<Map<String, String>> totals = new ArrayList<>();
        for (Estimator.TotalCost t : e.totals()) {
            totals.add(Map.of("name", t.name(), "monthly_usd", Money.plain(t.monthlyUsd())));
        }
        root.put("totals", totals);
        return root;
    }

    private void printTable(Estimator.Estimate e) {
        out.printf("%s%nrate card %s; a month is %s days, %s hours; USD%n%n", e.scenario(), e.rateCardVersion(),
                Money.plain(e.daysPerMonth()), Money.plain(e.hoursPerMonth()));
        out.printf("%-58s %22s %14s%n", "Component", "Quantity / month", "Monthly USD");
        for (Estimator.ComponentCost c : e.components()) {
            out.printf("%-58s %22s %14s%n", c.name(), c.declared() ? "(declared)" : Money.plain(c.eventsPerMonth()) + " events",
                    dollars(c.monthlyUsd()));
            for (CostLine line : c.monthlyLines()) {
                out.printf("    %-54s %22s %14s%n", line.dimension().id() + " @ " + Money.plain(line.unitPriceUsd()),
                        Money.plain(line.quantity()), dollars(line.costUsd()));
            }
            if (c.note() != null) {
                out.printf("    (%s)%n", c.note());
            }
        }
        out.println();
        for (Estimator.TotalCost t : e.totals()) {
            out.printf("%-81s %14s%n", t.name(), dollars(t.monthlyUsd()));
        }
    }

    static String dollars(BigDecimal usd) {
        return CostDiff.dollars(usd);
    }
}
