package dev.costmeter.aggregation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The idempotency key of an event, (source, id), as a fixed 128-bit value: cheap to index and to
 * compare, and collision-free in practice (a 64-bit key would not be, at billions of events).
 * Not thread-safe: one instance per consuming thread.
 */
public final class EventKey {

    private final MessageDigest md5;

    public EventKey() {
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks MD5", e);
        }
    }

    public UUID of(String source, String id) {
        md5.update(source.getBytes(StandardCharsets.UTF_8));
        md5.update((byte) 0); // separator: ("ab","c") and ("a","bc") must differ
        byte[] hash = md5.digest(id.getBytes(StandardCharsets.UTF_8));
        ByteBuffer buffer = ByteBuffer.wrap(hash);
        return new UUID(buffer.getLong(), buffer.getLong());
    }
}
