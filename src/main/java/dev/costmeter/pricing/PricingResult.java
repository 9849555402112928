package dev.costmeter.pricing;

/** What the pricer says of one event: priced, or why it cannot be priced (never a silent $0). */
public sealed interface PricingResult {

    record Priced(PricedEvent pricedEvent) implements PricingResult {
    }

    /**
     * The event is valid but the rate card in effect cannot price it. It is quarantined, not
     * dropped, and can be priced again once a card covers it.
     */
    record Unpriced(UsageEvent event, String rateCardVersion, String reason) implements PricingResult {
    }
}
