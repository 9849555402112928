package dev.costmeter.publish;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Copies of input records for the DLQ and the quarantine topic, with why they are there and where
 * they came from. A copy is always sendable: a record that would be too large once those headers
 * are added (or that was too large to begin with, e.g. a 5 MB record that arrived compressed) is
 * copied truncated, with the original's size, SHA-256 and {@code topic/partition@offset} in
 * headers, and the reason says so. A copy that cannot be sent would fail every commit for good.
 */
public final class OutputCopies {

    public static final String REASON_HEADER = "costmeter.reason";
    public static final String RATE_CARD_HEADER = "costmeter.rate-card-version";
    public static final String ORIGIN_HEADER = "costmeter.origin";
    public static final String ORIGINAL_SIZE_HEADER = "costmeter.original-size";
    public static final String ORIGINAL_SHA256_HEADER = "costmeter.original-sha256";
    public static final String TRUNCATED_HEADER = "costmeter.truncated";

    /** A reason longer than this is cut: it is read by people, and it must not make the copy too large. */
    static final int MAX_REASON_CHARS = 4096;
    /** Record framing and batch overhead on top of key, value and headers (an upper bound). */
    private static final int RECORD_OVERHEAD_BYTES = 128;
    private static final int HEADER_OVERHEAD_BYTES = 10;
    private static final int MAX_KEPT_KEY_BYTES = 1024;

    private final int maxRecordBytes;

    /** @param maxRecordBytes the largest copy to send; below the producer's max.request.size and the topics' max.message.bytes */
    public OutputCopies(int maxRecordBytes) {
        if (maxRecordBytes < 16 * 1024) {
            throw new IllegalArgumentException("costmeter.outputs.max-record-bytes must be at least 16384, was " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
    }

    /** The record for {@code topic}: the original with its headers when it fits, else a truncated copy. */
    public ProducerRecord<byte[], byte[]> of(String topic, ConsumerRecord<byte[], byte[]> original, String reason, String rateCardVersion) {
        String why = reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS) + "…";
        Headers headers = new RecordHeaders(original.headers().toArray());
        addOurs(headers, original, why, rateCardVersion);
        if (size(original.key(), original.value(), headers) <= maxRecordBytes) {
            return new ProducerRecord<>(topic, null, original.key(), original.value(), headers);
        }
        return truncated(topic, original, why, rateCardVersion);
    }

    private ProducerRecord<byte[], byte[]> truncated(String topic, ConsumerRecord<byte[], byte[]> original, String why, String rateCardVersion) {
        byte[] value = original.value() == null ? new byte[0] : original.value();
        int originalHeaderBytes = headerBytes(original.headers());
        boolean keepHeaders = originalHeaderBytes <= maxRecordBytes / 4;
        byte[] key = original.key() != null && original.key().length <= MAX_KEPT_KEY_BYTES ? original.key() : null;
        int keptValueBytes = Math.min(value.length, maxRecordBytes / 2);
        String note = " [truncated copy: the original record (key " + length(original.key()) + " bytes, value " + value.length
                + " bytes, headers " + originalHeaderBytes + " bytes) does not fit the " + maxRecordBytes
                + "-byte limit for output records; this copy keeps the first " + keptValueBytes + " bytes of the value"
                + (keepHeaders ? ", the original headers" : ", none of the original headers")
                + (key == original.key() ? " and the key" : " and not the key")
                + "; " + ORIGINAL_SIZE_HEADER + " and " + ORIGINAL_SHA256_HEADER + " describe the whole value and "
                + ORIGIN_HEADER + " says where the original is]";
        Headers headers = keepHeaders ? new RecordHeaders(original.headers().toArray()) : new RecordHeaders();
        addOurs(headers, original, why + note, rateCardVersion);
        headers.add(ORIGINAL_SIZE_HEADER, utf8(Integer.toString(value.length)));
        headers.add(ORIGINAL_SHA256_HEADER, utf8(HexFormat.of().formatHex(sha256(value))));
        headers.add(TRUNCATED_HEADER, utf8("value kept " + keptValueBytes + " of " + value.length + " bytes"));
        return new ProducerRecord<>(topic, null, key, Arrays.copyOf(value, keptValueBytes), headers);
    }

    private static void addOurs(Headers headers, ConsumerRecord<byte[], byte[]> original, String reason, String rateCardVersion) {
        headers.add(REASON_HEADER, utf8(reason));
        headers.add(ORIGIN_HEADER, utf8(original.topic() + "/" + original.partition() + "@" + original.offset()));
        if (rateCardVersion != null) {
            headers.add(RATE_CARD_HEADER, utf8(rateCardVersion));
        }
    }

    /** An upper bound of the record's size as the producer counts it. */
    static int size(byte[] key, byte[] value, Headers headers) {
        return RECORD_OVERHEAD_BYTES + length(key) + length(value) + headerBytes(headers);
    }

    private static int headerBytes(Headers headers) {
        int bytes = 0;
        for (Header h : headers) {
            bytes += HEADER_OVERHEAD_BYTES + h.key().getBytes(StandardCharsets.UTF_8).length + length(h.value());
        }
        return bytes;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
