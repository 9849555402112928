package dev.costmeter.pricing;

import java.util.List;

/** A rate card file that cannot be used, with the place (and line) at fault in the message. */
public class RateCardException extends RuntimeException {

    private final List<String> problems;

    public RateCardException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    public RateCardException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of(message);
    }

    public RateCardException(String message, List<String> problems) {
        super(message);
        this.problems = problems;
    }

    /** Each problem on its own, e.g. {@code line 12: models[3] (m).input: price must not be negative}. */
    public List<String> problems() {
        return problems;
    }
}
