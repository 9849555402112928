package dev.costmeter.testing;

/** Usage events in costmeter's envelope, as an application would publish them. */
public final class UsageEvents {

    private UsageEvents() {
    }

    public static String invocation(String source, String id, String time, String model, String tier,
                                    long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
        return """
                {"specversion":"1.0","id":"%s","source":"%s","type":"bedrock.invocation","time":"%s","subject":"tenant-1",
                 "data":{"modelId":"%s","region":"us-east-1","serviceTier":"%s",
                         "usage":{"inputTokens":%d,"outputTokens":%d,"cacheReadInputTokens":%d,"cacheWriteInputTokens":%d,
                                  "cacheDetails":[{"ttl":"5m","inputTokens":%d},{"ttl":"1h","inputTokens":%d}]}}}"""
                .formatted(id, source, time, model, tier, input, output, cacheRead, cacheWrite5m + cacheWrite1h, cacheWrite5m, cacheWrite1h);
    }

    public static String invocation(String source, String id, String time, String model, String tier, long input, long output) {
        return invocation(source, id, time, model, tier, input, output, 0, 0, 0);
    }
}
