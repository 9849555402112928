package dev.costmeter.tools;

import java.time.Instant;
import java.util.SplittableRandom;

/**
 * Realistic, reproducible usage events in costmeter's envelope: a handful of applications and
 * tenants calling the guide's popular models across tiers, some with prompt caching, an agent
 * making several calls per interaction. Event {@code i} of a given seed is always the same.
 */
public final class SyntheticUsage {

    private static final String[] SOURCES = {"support-bot", "rag-search", "doc-summarizer", "code-review", "sales-agent",
            "translation", "classifier", "analytics", "onboarding-agent", "email-drafts"};
    private static final String[] MODELS = {"anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0", "amazon.nova-pro-v1:0", "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "mistral.mistral-large-3-675b-instruct", "amazon.titan-embed-text-v2:0", "openai.gpt-oss-120b-1:0", "deepseek.v3.2"};
    /** Each application's usual tier (index-aligned with SOURCES). */
    private static final String[] USUAL_TIER = {"default", "default", "batch", "default", "priority",
            "flex", "default", "flex", "default", "default"};
    private static final String[] TIERS = {"default", "flex", "batch", "priority"};

    private final long seed;
    private final String runId;
    private final Instant start;
    private final long nanosBetweenEvents;

    /**
     * @param runId              makes event ids unique per run, so separate runs are separate events
     * @param start              the time of event 0
     * @param nanosBetweenEvents event i happens at start + i × this (10,000 ns: a 100,000 events/s stream)
     */
    public SyntheticUsage(long seed, String runId, Instant start, long nanosBetweenEvents) {
        this.seed = seed;
        this.runId = runId;
        this.start = start;
        this.nanosBetweenEvents = nanosBetweenEvents;
    }

    public String source(long i) {
        return SOURCES[(int) Math.floorMod(i * 7919 + seed, (long) SOURCES.length)];
    }

    /** The idempotency id of event i: the same i gives the same id (a redelivery). */
    public String id(long i) {
        return runId + "-" + i;
    }

    /** One synthetic call: the same i gives the same call, whatever format it is written in. */
    private record Call(String source, String model, String tier, String subject, long input, long output, long cacheRead,
                        long write5m, long write1h, String interactionId) {
    }

    private Call call(long i) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
        int app = (int) Math.floorMod(i * 7919 + seed, (long) SOURCES.length);
        // Like real applications: mostly one model and tier each, sometimes another.
        String model = MODELS[random.nextInt(10) < 8 ? app : random.nextInt(MODELS.length)];
        boolean embedding = model.contains("embed");
        String tier = embedding ? "default" : random.nextInt(10) < 9 ? USUAL_TIER[app] : TIERS[random.nextInt(TIERS.length)];
        long input = 200 + random.nextInt(embedding ? 2000 : 6000);
        long output = embedding ? 0 : 50 + random.nextInt(1500);
        boolean caching = !embedding && model.contains("claude") && random.nextInt(3) == 0;
        long cacheRead = caching ? 1024 + random.nextInt(20_000) : 0;
        long write5m = caching && random.nextBoolean() ? 1024 + random.nextInt(4000) : 0;
        long write1h = caching && random.nextInt(4) == 0 ? 1024 + random.nextInt(4000) : 0;
        String source = SOURCES[app];
        // Sources take turns (i × 7919 mod 10), so within 60 consecutive events each source has 6:
        // an agent interaction of 6 model calls, as in the guide's customer-service agent.
        String interaction = source.endsWith("-agent") ? runId + "-conv-" + (i / 60) : null;
        return new Call(source, model, tier, "tenant-" + random.nextInt(40), input, output, cacheRead, write5m, write1h, interaction);
    }

    /** Event i in costmeter's envelope (a structured CloudEvent). */
    public String event(long i) {
        Call c = call(i);
        String interaction = c.interactionId() == null ? "" : ",\"interactionId\":\"" + c.interactionId() + "\"";
        return "{\"specversion\":\"1.0\",\"id\":\"" + id(i) + "\",\"source\":\"" + c.source()
                + "\",\"type\":\"bedrock.invocation\",\"time\":\"" + start.plusNanos(i * nanosBetweenEvents) + "\",\"subject\":\"" + c.subject()
                + "\",\"data\":{\"modelId\":\"" + c.model() + "\",\"region\":\"us-east-1\",\"serviceTier\":\"" + c.tier()
                + "\",\"usage\":{\"inputTokens\":" + c.input() + ",\"outputTokens\":" + c.output() + ",\"totalTokens\":"
                + (c.input() + c.output() + c.cacheRead() + c.write5m() + c.write1h()) + ",\"cacheReadInputTokens\":" + c.cacheRead()
                + ",\"cacheWriteInputTokens\":" + (c.write5m() + c.write1h()) + ",\"cacheDetails\":[{\"ttl\":\"5m\",\"inputTokens\":" + c.write5m()
                + "},{\"ttl\":\"1h\",\"inputTokens\":" + c.write1h() + "}]}" + interaction + "}}";
    }

    /**
     * Call i as Bedrock's model invocation log writes it (metadata and token counts, a short request
     * body; the application and tenant in requestMetadata). Logs carry no TTL: all cache writes are
     * 5-minute writes, and no tier.
     */
    public String invocationLog(long i) {
        Call c = call(i);
        return "{\"schemaType\":\"ModelInvocationLog\",\"schemaVersion\":\"1.0\",\"timestamp\":\"" + start.plusNanos(i * nanosBetweenEvents)
                + "\",\"accountId\":\"123456789012\",\"identity\":{\"arn\":\"arn:aws:sts::123456789012:assumed-role/" + c.source()
                + "/session\"},\"region\":\"us-east-1\",\"requestId\":\"" + id(i) + "\",\"operation\":\"Converse\",\"modelId\":\""
                + c.model() + "\",\"input\":{\"inputContentType\":\"application/json\",\"inputBodyJson\":{\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"text\":\"Summarise the attached ticket for the on-call engineer.\"}]}]},\"inputTokenCount\":" + c.input()
                + ",\"cacheReadInputTokenCount\":" + c.cacheRead() + ",\"cacheWriteInputTokenCount\":" + (c.write5m() + c.write1h())
                + "},\"output\":{\"outputContentType\":\"application/json\",\"outputTokenCount\":" + c.output()
                + "},\"requestMetadata\":{\"application\":\"" + c.source() + "\",\"tenant\":\"" + c.subject() + "\"}}";
    }
}
