package dev.costmeter.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.costmeter.decoding.CloudEventDecoder;
import dev.costmeter.decoding.InvalidEventException;
import dev.costmeter.tools.SyntheticUsage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Decoding alone, on one thread (run by {@code bench/decode [EVENTS]}, default 100,000): the
 * benchmark's events decoded by {@link CloudEventDecoder} as they are (the plain reader reads them),
 * the same events with {@code "x":{}} added to their {@code data} (the plain reader declines an unknown
 * object, so Jackson reads them: the same event, seven bytes longer), and Jackson's token stream alone
 * over the original events, for scale. The three loops alternate, round after round in one JVM, so a
 * change in the machine's speed reaches all three alike; the median of the last 20 of 40 rounds is
 * printed, in nanoseconds per event.
 */
public final class DecodeBenchmark {

    private static final int ROUNDS = 40;
    private static final int MEASURED_ROUNDS = 20;

    public static void main(String[] args) throws Exception {
        BenchLogging.atInfo();
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        SyntheticUsage usage = new SyntheticUsage(1, "decode", Instant.parse("2026-03-01T00:00:00Z"), 10_000);
        byte[][] plain = new byte[events][];
        byte[][] withUnknownObject = new byte[events][];
        for (int i = 0; i < events; i++) {
            String event = usage.event(i);
            plain[i] = event.getBytes(StandardCharsets.UTF_8);
            withUnknownObject[i] = event.replace("\"data\":{", "\"data\":{\"x\":{},").getBytes(StandardCharsets.UTF_8);
        }
        CloudEventDecoder decoder = new CloudEventDecoder(new CloudEventDecoder.Limits(1 << 20, 1_000_000_000L, Duration.ofDays(36_500)),
                Clock.systemUTC());
        if (!decoder.decode(plain[0]).equals(decoder.decode(withUnknownObject[0]))) {
            throw new IllegalStateException("the two forms of an event decode differently");
        }
        JsonFactory json = JsonFactory.builder().build();
        double[] read = new double[ROUNDS];
        double[] jackson = new double[ROUNDS];
        double[] tokens = new double[ROUNDS];
        long checksum = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long started = System.nanoTime();
            checksum += decodeAll(decoder, plain);
            long readDone = System.nanoTime();
            checksum += decodeAll(decoder, withUnknownObject);
            long jacksonDone = System.nanoTime();
            checksum += tokensOf(json, plain);
            long tokensDone = System.nanoTime();
            read[round] = (readDone - started) / (double) events;
            jackson[round] = (jacksonDone - readDone) / (double) events;
            tokens[round] = (tokensDone - jacksonDone) / (double) events;
        }
        System.out.printf("%n==== decoding, one thread: %,d events (%d bytes avg), median of the last %d of %d rounds ====%n", events,
                Arrays.stream(plain).mapToInt(b -> b.length).sum() / events, MEASURED_ROUNDS, ROUNDS);
        System.out.printf("CloudEventDecoder, plain reader:              %,6.0f ns/event%n", median(read));
        System.out.printf("CloudEventDecoder, Jackson (unknown object):  %,6.0f ns/event%n", median(jackson));
        System.out.printf("Jackson's token stream alone, for scale:      %,6.0f ns/event%n", median(tokens));
        System.out.printf("(checksum %d)%n", checksum);
    }

    private static long decodeAll(CloudEventDecoder decoder, byte[][] events) throws InvalidEventException {
        long quantities = 0;
        for (byte[] event : events) {
            quantities += decoder.decode(event).quantities().size();
        }
        return quantities;
    }

    private static long tokensOf(JsonFactory json, byte[][] events) throws IOException {
        long length = 0;
        for (byte[] event : events) {
            try (JsonParser p = json.createParser(event)) {
                for (JsonToken t; (t = p.nextToken()) != null; ) {
                    if (t == JsonToken.VALUE_STRING) {
                        length += p.getTextLength();
                    }
                }
            }
        }
        return length;
    }

    private static double median(double[] rounds) {
        double[] last = Arrays.copyOfRange(rounds, ROUNDS - MEASURED_ROUNDS, ROUNDS);
        Arrays.sort(last);
        return (last[MEASURED_ROUNDS / 2 - 1] + last[MEASURED_ROUNDS / 2]) / 2;
    }
}
