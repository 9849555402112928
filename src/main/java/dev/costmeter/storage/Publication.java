package dev.costmeter.storage;

/** Publishes a record (to Kafka) and returns once the broker has acknowledged it. */
@FunctionalInterface
public interface Publication {

    void publishAndWait() throws Exception;
}
