package dev.costmeter.decoding;

/**
 * A record that is not a usage event costmeter can accept. The message is the reason a user reads
 * in the DLQ header, so it names the field at fault and what was expected.
 */
public class InvalidEventException extends Exception {

    public InvalidEventException(String reason) {
        super(reason, null, false, false); // rejected records are routine: no stack trace
    }
}
