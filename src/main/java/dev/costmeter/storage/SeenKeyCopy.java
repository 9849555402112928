package dev.costmeter.storage;

import dev.costmeter.aggregation.PendingBatch;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.ByteConverter;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Event keys into {@code seen_event} by {@code COPY … (format binary)}: each key's 16 bytes, its
 * content fingerprint as an {@code int8} and its cost as a binary {@code numeric}, written in
 * PostgreSQL's binary copy format (https://www.postgresql.org/docs/15/sql-copy.html, "Binary Format")
 * and sent in chunks of {@value #CHUNK_BYTES} bytes as they fill.
 *
 * <p>A key that is already stored fails the whole copy with a unique violation, as an insert would;
 * the caller then undoes it and asks which keys those were.
 */
final class SeenKeyCopy {

    static final String SQL = "copy seen_event (event_key, content_hash, cost_usd) from stdin with (format binary)";

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    private static final short FIELDS_PER_KEY = 3;
    private static final int NULL_FIELD = -1;
    private static final short END_OF_DATA = -1;
    private static final int CHUNK_BYTES = 1 << 16;
    /** A row without its cost's bytes: field count, uuid, int8 and the cost's length, each field after its length. */
    private static final int ROW_BYTES_BEFORE_COST = 2 + (4 + 16) + (4 + 8) + 4;

    private SeenKeyCopy() {
    }

    /** Copies the keys in the order given; a unique violation comes back as the {@link SQLException} it is. */
    static void copy(Connection connection, List<Map.Entry<UUID, PendingBatch.Claim>> keys) throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(SQL);
        try {
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
            chunk.put(SIGNATURE).putInt(0).putInt(0); // no flags, no header extension
            for (Map.Entry<UUID, PendingBatch.Claim> key : keys) {
                byte[] cost = key.getValue().costUsd() == null ? null : numeric(key.getValue().costUsd());
                int rowBytes = ROW_BYTES_BEFORE_COST + (cost == null ? 0 : cost.length);
                if (chunk.remaining() < rowBytes) {
                    send(copy, chunk);
                    if (chunk.capacity() < rowBytes) {
                        chunk = ByteBuffer.allocate(rowBytes); // a cost of thousands of digits: never seen, still written
                    }
                }
                chunk.putShort(FIELDS_PER_KEY);
                chunk.putInt(16).putLong(key.getKey().getMostSignificantBits()).putLong(key.getKey().getLeastSignificantBits());
                Long fingerprint = key.getValue().contentFingerprint();
                if (fingerprint == null) {
                    chunk.putInt(NULL_FIELD);
                } else {
                    chunk.putInt(8).putLong(fingerprint);
                }
                if (cost == null) {
                    chunk.putInt(NULL_FIELD);
                } else {
                    chunk.putInt(cost.length).put(cost);
                }
            }
            chunk.putShort(END_OF_DATA);
            send(copy, chunk);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy(); // only after a failure: the copy is ended above otherwise
            }
        }
    }

    /** pgjdbc's binary {@code numeric}: exact, the scale kept. */
    static byte[] numeric(BigDecimal value) {
        return ByteConverter.numeric(value);
    }

    private static void send(CopyIn copy, ByteBuffer chunk) throws SQLException {
        copy.writeToCopy(chunk.array(), 0, chunk.position());
        chunk.clear();
    }
}
