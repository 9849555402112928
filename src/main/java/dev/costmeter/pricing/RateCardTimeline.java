package dev.costmeter.pricing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * All published rate card versions, ordered by when they take effect. An event is priced with the
 * card in effect at the event's own time, so late events and price changes come out right. A
 * correction that takes effect at the very instant of the card it corrects takes that card's place
 * (the corrected card stays a version, for the aggregates priced with it, but is never in effect).
 */
public final class RateCardTimeline {

    private final List<RateCard> cards;

    public RateCardTimeline(List<RateCard> cards) {
        List<RateCard> sorted = new ArrayList<>(cards);
        sorted.removeIf(card -> cards.stream().anyMatch(c -> card.version().equals(c.corrects()) && c.effectiveFrom().equals(card.effectiveFrom())));
        sorted.sort(Comparator.comparing(RateCard::effectiveFrom));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).effectiveFrom().equals(sorted.get(i - 1).effectiveFrom())) {
                throw new RateCardException("rate cards " + sorted.get(i - 1).version() + " and "
                        + sorted.get(i).version() + " take effect at the same instant " + sorted.get(i).effectiveFrom());
            }
            if (sorted.get(i).version().equals(sorted.get(i - 1).version())) {
                throw new RateCardException("rate card version " + sorted.get(i).version() + " is defined twice");
            }
        }
        this.cards = List.copyOf(sorted);
    }

    /** @return the card in effect at {@code time}, or null if the earliest card starts later */
    public RateCard cardAt(Instant time) {
        RateCard inEffect = null;
        for (RateCard card : cards) {
            if (card.effectiveFrom().isAfter(time)) {
                break;
            }
            inEffect = card;
        }
        return inEffect;
    }

    public List<RateCard> cards() {
        return cards;
    }
}
