package dev.costmeter.storage;

/** A batch read from partitions whose stored offsets have moved on since: it must not be counted. */
public class StaleBatchException extends Exception {
    public StaleBatchException(String message) {
        super(message, null, false, false);
    }
}
