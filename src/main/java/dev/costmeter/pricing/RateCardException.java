package dev.costmeter.pricing;

/** A rate card file that cannot be used, with the place at fault in the message. */
public class RateCardException extends RuntimeException {
    public RateCardException(String message) {
        super(message);
    }

    public RateCardException(String message, Throwable cause) {
        super(message, cause);
    }
}
