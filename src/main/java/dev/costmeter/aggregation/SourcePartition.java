package dev.costmeter.aggregation;

/** A partition of a topic the usage records are read from; its offsets are stored with the aggregates. */
public record SourcePartition(String topic, int partition) {

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
