package dev.costmeter.storage;

import dev.costmeter.aggregation.ClaimedKeys;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.ByteConverter;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;

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

    /**
     * Copies the claimed keys at {@code order[0]}, {@code order[1]} … each with its fingerprint and
     * cost; a unique violation comes back as the {@link SQLException} it is.
     */
    static void copy(Connection connection, ClaimedKeys keys, int[] order) throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(SQL);
        try {
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
            chunk.put(SIGNATURE).putInt(0).putInt(0); // no flags, no header extension
            for (int position : order) {
                byte[] cost;
                if (keys.hasCompactCost(position)) {
                    cost = numeric(keys.costUnscaled(position), keys.costScale(position));
                } else {
                    BigDecimal costUsd = keys.cost(position);
                    cost = costUsd == null ? null : numeric(costUsd);
                }
                int rowBytes = ROW_BYTES_BEFORE_COST + (cost == null ? 0 : cost.length);
                if (chunk.remaining() < rowBytes) {
                    send(copy, chunk);
                    if (chunk.capacity() < rowBytes) {
                        chunk = ByteBuffer.allocate(rowBytes); // a cost of thousands of digits: never seen, still written
                    }
                }
                chunk.putShort(FIELDS_PER_KEY);
                chunk.putInt(16).putLong(keys.high(position)).putLong(keys.low(position));
                Long fingerprint = keys.fingerprint(position);
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
            if (chunk.remaining() < Short.BYTES) {
                send(copy, chunk); // the rows filled the chunk to its last byte or one before it
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

    /**
     * A {@code numeric} in PostgreSQL's binary form: base-10000 digits aligned on the decimal point,
     * the weight of the first, the sign and the display scale (the value's own scale, trailing
     * zeros kept). Costs of up to 18 digits, all of them in practice, are encoded here from the
     * unscaled {@code long}; pgjdbc's {@link ByteConverter#numeric}, which goes through
     * {@code BigInteger} for every value, writes the rest and zero, and writes the same bytes
     * (SeenKeyCopyTest compares them).
     */
    static byte[] numeric(BigDecimal value) {
        int scale = value.scale();
        if (value.signum() == 0 || scale < 0 || value.precision() > 18) {
            return ByteConverter.numeric(value);
        }
        // at most 18 digits: exact in a long, and unscaledValue() would build a BigInteger for every cost
        return numeric(value.scaleByPowerOfTen(scale).longValueExact(), scale);
    }

    /** The same for a decimal given as its unscaled value and its scale (a claimed key keeps its cost so). */
    static byte[] numeric(long unscaled, int scale) {
        int pad = scale < 0 ? 0 : (4 - scale % 4) % 4; // decimal digits that align the fraction on a base-10000 digit
        if (unscaled == 0 || scale < 0 || digitCount(Math.abs(unscaled)) + pad > 18) {
            return ByteConverter.numeric(BigDecimal.valueOf(unscaled, scale));
        }
        long aligned = Math.abs(unscaled) * POWERS_OF_TEN[pad];
        int fractionDigits = (scale + pad) / 4;
        short[] digits = new short[5]; // at most 18 decimal digits: five base-10000 digits
        int count = 0;
        int trailingZeros = 0; // least significant digits that are zero: PostgreSQL leaves them out
        for (long rest = aligned; rest > 0; rest /= 10_000) {
            short digit = (short) (rest % 10_000);
            if (count == trailingZeros && digit == 0) {
                trailingZeros++;
            }
            digits[count++] = digit;
        }
        int kept = count - trailingZeros;
        byte[] bytes = new byte[8 + 2 * kept];
        ByteConverter.int2(bytes, 0, kept);
        ByteConverter.int2(bytes, 2, count - 1 - fractionDigits); // weight of the first digit
        ByteConverter.int2(bytes, 4, unscaled < 0 ? NUMERIC_NEGATIVE : NUMERIC_POSITIVE);
        ByteConverter.int2(bytes, 6, scale);
        for (int i = 0; i < kept; i++) {
            ByteConverter.int2(bytes, 8 + 2 * i, digits[count - 1 - i]); // most significant first
        }
        return bytes;
    }

    /** Decimal digits of {@code n} (not negative, at most 18 digits long: the caller's longs are). */
    private static int digitCount(long n) {
        int count = 1;
        for (long limit = 10; count < 19 && n >= limit; limit *= 10) {
            count++;
        }
        return count;
    }

    private static final int NUMERIC_POSITIVE = 0x0000;
    private static final int NUMERIC_NEGATIVE = 0x4000;
    private static final long[] POWERS_OF_TEN = {1, 10, 100, 1000};

    private static void send(CopyIn copy, ByteBuffer chunk) throws SQLException {
        copy.writeToCopy(chunk.array(), 0, chunk.position());
        chunk.clear();
    }
}
