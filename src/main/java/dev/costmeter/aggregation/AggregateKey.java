package dev.costmeter.aggregation;

import java.time.Instant;

/** One row of the spend aggregates: a time bucket and everything spend is grouped by. */
public record AggregateKey(
        Instant bucketStart,
        String source,
        String subject,
        String modelId,
        String region,
        String serviceTier,
        String dimension,
        String rateCardVersion) {
}
