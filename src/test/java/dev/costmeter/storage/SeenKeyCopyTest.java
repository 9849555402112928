package dev.costmeter.storage;

import dev.costmeter.aggregation.ClaimedKeys;
import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.testing.RealPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLState;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Event keys copied into {@code seen_event} in PostgreSQL's binary format (a database of its own):
 * what is read back is exactly what was written, costs to the last digit and scale, and a key stored
 * before fails the copy with the unique violation that sends the ledger to the form naming duplicates.
 */
class SeenKeyCopyTest {

    static String db;

    @BeforeAll
    static void schema() throws Exception {
        db = RealPostgres.freshMigrated("seen_key_copy");
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(db, RealPostgres.user(), "");
    }

    /** Copies the keys in PostgreSQL's order, as the ledger does. */
    static void copy(Connection c, List<Map.Entry<UUID, PendingBatch.Claim>> claims) throws SQLException {
        Map<UUID, PendingBatch.Claim> table = new LinkedHashMap<>();
        claims.forEach(claim -> table.put(claim.getKey(), claim.getValue()));
        ClaimedKeys keys = ClaimedKeys.of(table);
        SeenKeyCopy.copy(c, keys, UuidOrder.ascending(keys));
    }

    /** How many of the keys are stored, and the sum of their costs (plain, no trailing zeros). */
    static String storedCountAndCost(List<Map.Entry<UUID, PendingBatch.Claim>> keys) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(
                "select count(*), coalesce(sum(cost_usd), 0) from seen_event where event_key = any(?)")) {
            s.setArray(1, c.createArrayOf("uuid", keys.stream().map(Map.Entry::getKey).toArray()));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) + " " + rs.getBigDecimal(2).stripTrailingZeros().toPlainString();
            }
        }
    }

    static Map.Entry<UUID, PendingBatch.Claim> key(UUID key, Long fingerprint, String cost) {
        return new AbstractMap.SimpleEntry<>(key, new PendingBatch.Claim(fingerprint, cost == null ? null : new BigDecimal(cost)));
    }

    @Test
    void everyKeyFingerprintAndCostReadsBackExactlyWithItsScale() throws Exception {
        List<Map.Entry<UUID, PendingBatch.Claim>> keys = List.of(
                key(UUID.randomUUID(), 42L, "10965.62899103375"),
                key(UUID.randomUUID(), Long.MIN_VALUE, "0"),
                key(UUID.randomUUID(), Long.MAX_VALUE, "0.000000000001"),
                key(UUID.randomUUID(), -1L, "0.00450000"),              // trailing zeros are kept
                key(UUID.randomUUID(), 0L, "1E+3"),                     // a negative scale reads back as 1000
                key(UUID.randomUUID(), 7L, "123456789012345678901234567890.123456789012345678901"),
                key(UUID.randomUUID(), 8L, "-2.5"),                     // a correction's sign survives
                key(UUID.randomUUID(), null, null));                   // stored before fingerprints; unpriced
        try (Connection c = connect()) {
            copy(c, keys);
        }
        Map<UUID, String> stored = new LinkedHashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select event_key, content_hash, cost_usd::text from seen_event")) {
            while (rs.next()) {
                long fingerprint = rs.getLong(2);
                String kept = rs.wasNull() ? "null" : Long.toString(fingerprint); // asked right after column 2
                stored.put(rs.getObject(1, UUID.class), kept + " " + rs.getString(3));
            }
        }
        assertThat(stored).containsEntry(keys.get(0).getKey(), "42 10965.62899103375")
                .containsEntry(keys.get(1).getKey(), Long.MIN_VALUE + " 0")
                .containsEntry(keys.get(2).getKey(), Long.MAX_VALUE + " 0.000000000001")
                .containsEntry(keys.get(3).getKey(), "-1 0.00450000")
                .containsEntry(keys.get(4).getKey(), "0 1000")
                .containsEntry(keys.get(5).getKey(), "7 123456789012345678901234567890.123456789012345678901")
                .containsEntry(keys.get(6).getKey(), "8 -2.5")
                .containsEntry(keys.get(7).getKey(), "null null")
                .hasSize(keys.size());
    }

    @Test
    void aBatchLargerThanOneChunkArrivesWhole() throws Exception {
        List<Map.Entry<UUID, PendingBatch.Claim>> keys = new ArrayList<>();
        BigDecimal sum = BigDecimal.ZERO;
        Random random = new Random(15);
        for (int i = 0; i < 20_000; i++) { // about 1 MB of rows: sixteen chunks
            BigDecimal cost = BigDecimal.valueOf(random.nextLong(1, 1_000_000_000_000L), random.nextInt(0, 16));
            keys.add(key(new UUID(random.nextLong(), random.nextLong()), random.nextLong(), cost.toPlainString()));
            sum = sum.add(cost);
        }
        try (Connection c = connect()) {
            copy(c, keys);
        }
        assertThat(storedCountAndCost(keys)).isEqualTo("20000 " + sum.stripTrailingZeros().toPlainString());
    }

    @Test
    void rowsThatFillAChunkToItsLastByteButOneStillEndTheCopy() throws Exception {
        // 19 bytes of header, 1,714 rows of 38 bytes (no cost) and 8 of 48 (cost 1: a 10-byte numeric)
        // leave 1 byte of the 65,536-byte chunk: the end marker (2 bytes) goes into the next one.
        List<Map.Entry<UUID, PendingBatch.Claim>> keys = new ArrayList<>();
        for (int i = 0; i < 1714; i++) {
            keys.add(key(UUID.randomUUID(), (long) i, null));
        }
        for (int i = 0; i < 8; i++) {
            keys.add(key(UUID.randomUUID(), (long) i, "1"));
        }
        assertThat(SeenKeyCopy.numeric(BigDecimal.ONE)).hasSize(10);
        try (Connection c = connect()) {
            copy(c, keys);
        }
        assertThat(storedCountAndCost(keys)).isEqualTo("1722 8");
    }

    @Test
    void aKeyStoredBeforeFailsTheCopyAsAUniqueViolationAndLeavesNothing() throws Exception {
        UUID old = UUID.randomUUID();
        UUID fresh = UUID.randomUUID();
        try (Connection c = connect()) {
            copy(c, List.of(key(old, 1L, "1")));
        }
        try (Connection c = connect()) {
            assertThatThrownBy(() -> copy(c, List.of(key(fresh, 2L, "2"), key(old, 3L, "3"))))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo(PSQLState.UNIQUE_VIOLATION.getState()));
            // The connection is usable again: the failed copy was ended, not left open.
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "select count(*) from seen_event where event_key in ('" + old + "', '" + fresh + "')")) {
                rs.next();
                assertThat(rs.getLong(1)).as("only the key stored before; the failed copy left nothing").isEqualTo(1);
            }
        }
    }

    @Test
    void keysAreOrderedAsPostgresOrdersThemNotAsJavaDoes() throws Exception {
        // Java's UUID.compareTo reads the halves as signed numbers: 8000… sorts before 0000… there.
        List<UUID> edges = List.of(
                UUID.fromString("80000000-0000-0000-0000-000000000000"),
                UUID.fromString("00000000-0000-0000-0000-000000000001"),
                UUID.fromString("00000000-0000-0000-8000-000000000000"),
                UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff"),
                UUID.fromString("7fffffff-ffff-ffff-7fff-ffffffffffff"));
        Random random = new Random(7);
        List<List<UUID>> batches = new ArrayList<>();
        batches.add(List.of());
        batches.add(List.of(edges.get(0)));
        batches.add(edges);
        for (int size : new int[] {2, 17, 1000, 50_000}) {
            List<UUID> keys = new ArrayList<>(edges);
            for (int i = 0; i < size; i++) {
                keys.add(new UUID(random.nextLong(), random.nextLong()));
            }
            batches.add(keys);
        }
        // Keys made to share their first 20 bits fill one bucket: sorted by comparison instead.
        List<UUID> crowded = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            crowded.add(new UUID(0x1234_5000_0000_0000L | (random.nextLong() >>> 20), random.nextLong()));
        }
        crowded.add(new UUID(0x1234_5000_0000_0000L, -1L));
        crowded.add(new UUID(0x1234_5000_0000_0000L, 1L)); // same first half: the second decides, unsigned
        batches.add(crowded);
        for (List<UUID> keys : batches) {
            ClaimedKeys claimed = new ClaimedKeys();
            keys.forEach(key -> assertThat(claimed.claim(key, 0)).as("a key of its own").isGreaterThanOrEqualTo(0));
            List<UUID> ours = new ArrayList<>();
            for (int position : UuidOrder.ascending(claimed)) {
                ours.add(claimed.key(position));
            }
            assertThat(ours).as("%d keys", keys.size()).containsExactlyElementsOf(postgresOrder(keys));
        }
        assertThat(edges.stream().sorted().toList()).as("Java's own order differs").isNotEqualTo(postgresOrder(edges));
    }

    static List<UUID> postgresOrder(List<UUID> keys) throws SQLException {
        List<UUID> sorted = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("select k from unnest(?::uuid[]) k order by k")) {
            s.setArray(1, c.createArrayOf("uuid", keys.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    sorted.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return sorted;
    }

    @Test
    void costsAreWrittenInTheSameBytesAsPgjdbcWritesThem() {
        List<String> cases = new ArrayList<>(List.of("0", "0.000", "1", "-1", "0.0001", "0.00001", "9999", "10000", "10000.0000",
                "0.00450000", "10965.62899103375", "999999999999999999", "0.999999999999999999", "123456789012345.678",
                "1E+3", "-0.000000000000000001", "100000000", "0.10000", "12345678901234567890.5"));
        Random random = new Random(18);
        for (int i = 0; i < 100_000; i++) {
            long unscaled = random.nextLong() / (1L << random.nextInt(0, 63));
            cases.add(BigDecimal.valueOf(unscaled, random.nextInt(-3, 24)).toString());
        }
        for (String text : cases) {
            BigDecimal value = new BigDecimal(text);
            assertThat(SeenKeyCopy.numeric(value)).as(text).isEqualTo(org.postgresql.util.ByteConverter.numeric(value));
            if (value.unscaledValue().bitLength() < Long.SIZE) { // as a claimed key keeps it: unscaled and scale
                assertThat(SeenKeyCopy.numeric(value.unscaledValue().longValueExact(), value.scale())).as(text)
                        .isEqualTo(org.postgresql.util.ByteConverter.numeric(value));
            }
        }
    }
}
