package dev.costmeter.aggregation;

import java.time.Instant;

/**
 * One row of the spend aggregates: a time bucket and everything spend is grouped by. Its hash is
 * well mixed: a batch holds thousands of keys whose fields differ in one or two characters, which
 * a record's default hash spreads badly.
 */
public final class AggregateKey {

    private final Attribution attribution;
    private final String dimension;
    private final long hash;

    public AggregateKey(Instant bucketStart, String source, String subject, String modelId, String region,
                        String serviceTier, String dimension, String rateCardVersion) {
        this(new Attribution(bucketStart, source, subject, modelId, region, serviceTier, rateCardVersion), dimension);
    }

    private AggregateKey(Attribution attribution, String dimension) {
        this.attribution = attribution;
        this.dimension = dimension;
        this.hash = mix(attribution.hash * 0x9E3779B97F4A7C15L + dimension.hashCode());
    }

    public Instant bucketStart() {
        return Instant.ofEpochSecond(attribution.bucketSecond);
    }

    public String source() {
        return attribution.source;
    }

    public String subject() {
        return attribution.subject;
    }

    public String modelId() {
        return attribution.modelId;
    }

    public String region() {
        return attribution.region;
    }

    public String serviceTier() {
        return attribution.serviceTier;
    }

    public String dimension() {
        return dimension;
    }

    public String rateCardVersion() {
        return attribution.rateCardVersion;
    }

    @Override
    public int hashCode() {
        return (int) (hash ^ (hash >>> 32));
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof AggregateKey k && hash == k.hash && dimension.equals(k.dimension) && attribution.equals(k.attribution));
    }

    @Override
    public String toString() {
        return "AggregateKey[" + bucketStart() + ", " + source() + ", " + subject() + ", " + modelId() + ", " + region() + ", "
                + serviceTier() + ", " + dimension + ", " + rateCardVersion() + "]";
    }

    /**
     * Everything a row is grouped by but the dimension: what the cost lines of one event share. A
     * batch finds the rows of all an event's lines with one lookup of this, then by dimension
     * ({@link PendingBatch#rowsOf}).
     */
    public static final class Attribution {
        /** The bucket's start in epoch seconds: a number, not an {@code Instant} per event to make and to compare. */
        private final long bucketSecond;
        private final String source;
        private final String subject;
        private final String modelId;
        private final String region;
        private final String serviceTier;
        private final String rateCardVersion;
        private final long hash;

        public Attribution(Instant bucketStart, String source, String subject, String modelId, String region,
                           String serviceTier, String rateCardVersion) {
            this(wholeSecond(bucketStart), source, subject, modelId, region, serviceTier, rateCardVersion);
        }

        /** @param bucketSecond the bucket's start, in seconds since the epoch */
        public Attribution(long bucketSecond, String source, String subject, String modelId, String region,
                           String serviceTier, String rateCardVersion) {
            this.bucketSecond = bucketSecond;
            this.source = source;
            this.subject = subject;
            this.modelId = modelId;
            this.region = region;
            this.serviceTier = serviceTier;
            this.rateCardVersion = rateCardVersion;
            long h = bucketSecond;
            for (String field : new String[] {source, subject, modelId, region, serviceTier, rateCardVersion}) {
                h = mix(h * 0x9E3779B97F4A7C15L + field.hashCode());
            }
            this.hash = h;
        }

        /** The row of this attribution and a dimension. */
        public AggregateKey with(String dimension) {
            return new AggregateKey(this, dimension);
        }

        @Override
        public int hashCode() {
            return (int) (hash ^ (hash >>> 32));
        }

        @Override
        public boolean equals(Object o) {
            return this == o || (o instanceof Attribution a && hash == a.hash && bucketSecond == a.bucketSecond
                    && source.equals(a.source) && subject.equals(a.subject) && modelId.equals(a.modelId)
                    && region.equals(a.region) && serviceTier.equals(a.serviceTier) && rateCardVersion.equals(a.rateCardVersion));
        }
    }

    private static long wholeSecond(Instant bucketStart) {
        if (bucketStart.getNano() != 0) {
            throw new IllegalArgumentException("a bucket starts on a whole second, not at " + bucketStart);
        }
        return bucketStart.getEpochSecond();
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
