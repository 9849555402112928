package dev.costmeter.storage;

import dev.costmeter.testing.RealPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The re-rate transaction on the real PostgreSQL (a database of its own): all or nothing. When the
 * adjustment events cannot be published (the step just before the commit, as when the service dies
 * or Kafka is down there), no aggregate, no record and no line is left behind; the same id then
 * applies once.
 */
class RerateLedgerTest {

    static String db;
    static final Instant FROM = Instant.parse("2026-03-05T00:00:00Z");
    static final Instant TO = Instant.parse("2026-03-06T00:00:00Z");
    static final List<RerateLedger.Segment> WHOLE = List.of(new RerateLedger.Segment(FROM, TO, "B"));

    @BeforeAll
    static void schema() throws Exception {
        db = RealPostgres.freshMigrated("rerate_ledger");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("""
                    insert into spend_aggregate values
                      ('2026-03-05 10:01:00+00', 'app', '', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1', 'default', 'input_tokens', 'A', 1000, 0.001, 1),
                      ('2026-03-05 10:02:00+00', 'app', '', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1', 'default', 'input_tokens', 'A', 3, 0.000003, 1),
                      ('2026-03-05 10:02:00+00', 'app', '', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1', 'default', 'input_tokens', 'B', 2, 0.0000016, 1),
                      ('2026-03-05 10:03:00+00', 'app', '', 'amazon.nova-lite-v1:0', 'us-east-1', 'default', 'input_tokens', 'A', 500, 0.00003, 1),
                      ('2026-04-05 10:00:00+00', 'other', '', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1', 'default', 'input_tokens', 'A', 10, 0.00001, 1),
                      ('2026-04-20 10:00:00+00', 'other', '', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1', 'default', 'input_tokens', 'A', 10, 0.00001, 1)""");
        }
    }

    static Connection connect() throws Exception {
        return DriverManager.getConnection(db, RealPostgres.user(), "");
    }

    static List<String> rows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                select bucket_start, model_id, rate_card_version, quantity, cost_usd, events from spend_aggregate where source = 'app'
                order by 1, 2, 3""")) {
            while (rs.next()) {
                rows.add(rs.getTimestamp(1).toInstant() + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getBigDecimal(4).stripTrailingZeros()
                        .toPlainString() + " " + rs.getBigDecimal(5).stripTrailingZeros().toPlainString() + " " + rs.getLong(6));
            }
        }
        return rows;
    }

    /** Haiku input at $0.80 per 1M under B; Nova Lite unchanged (null: left alone). */
    static List<BigDecimal> prices(RerateLedger.Segment segment, List<RerateLedger.Combination> combinations) {
        return combinations.stream().map(k -> k.modelId().startsWith("anthropic") ? new BigDecimal("0.0000008") : null).toList();
    }

    @Test
    void aReRateThatCannotPublishLeavesNothingAndTheSameIdThenAppliesOnce() throws Exception {
        List<String> before = rows();
        UUID id = UUID.randomUUID();
        try (Connection c = connect()) {
            assertThatThrownBy(() -> RerateLedger.apply(c, id, "test", "why", "B", WHOLE, null, null, RerateLedgerTest::prices, applied -> {
                throw new IllegalStateException("Kafka is unreachable");
            })).hasMessage("Kafka is unreachable");
        }
        assertThat(rows()).isEqualTo(before);
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "select (select count(*) from rerate) + (select count(*) from rerate_line)")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }

        RerateLedger.Outcome first;
        try (Connection c = connect()) {
            first = RerateLedger.apply(c, id, "test", "why", "B", WHOLE, null, null, RerateLedgerTest::prices, applied -> { });
        }
        assertThat(first.alreadyApplied()).isFalse();
        // the two A rows of Haiku re-rated and merged with the B row of the same minute; Nova Lite left as it was
        assertThat(rows()).containsExactly(
                "2026-03-05T10:01:00Z anthropic.claude-haiku-4-5-20251001-v1:0 B 1000 0.0008 1",
                "2026-03-05T10:02:00Z anthropic.claude-haiku-4-5-20251001-v1:0 B 5 0.000004 2",
                "2026-03-05T10:03:00Z amazon.nova-lite-v1:0 A 500 0.00003 1");
        assertThat(first.applied().aggregates()).isEqualTo(2);
        assertThat(first.applied().oldTotalUsd()).isEqualByComparingTo("0.001033"); // the range's A rows: 0.001 + 0.000003 + 0.00003
        assertThat(first.applied().newTotalUsd()).isEqualByComparingTo("0.0008324");
        assertThat(first.applied().lines()).hasSize(1);
        assertThat(first.applied().lines().get(0).deltaUsd()).isEqualByComparingTo("-0.0002006");

        List<String> after = rows();
        try (Connection c = connect()) {
            RerateLedger.Outcome again = RerateLedger.apply(c, id, "test", "why", "B", WHOLE, null, null, RerateLedgerTest::prices, applied -> {
                throw new AssertionError("an applied re-rate publishes nothing again");
            });
            assertThat(again.alreadyApplied()).isTrue();
            assertThat(again.applied().newTotalUsd()).isEqualByComparingTo(first.applied().newTotalUsd());
        }
        assertThat(rows()).isEqualTo(after);
    }

    @Test
    void eachCardsPeriodIsReRatedToItsOwnCard() throws Exception {
        // "the card in effect": April 1-15 to B ($0.80 per 1M), April 15-30 to C ($0.90 per 1M)
        Instant april15 = Instant.parse("2026-04-15T00:00:00Z");
        List<RerateLedger.Segment> segments = List.of(new RerateLedger.Segment(Instant.parse("2026-04-01T00:00:00Z"), april15, "B"),
                new RerateLedger.Segment(april15, Instant.parse("2026-05-01T00:00:00Z"), "C"));
        RerateLedger.Outcome outcome;
        try (Connection c = connect()) {
            outcome = RerateLedger.apply(c, UUID.randomUUID(), "test", "why", "inEffect", segments, "other", null,
                    (segment, combinations) -> combinations.stream().map(k -> new BigDecimal(segment.targetVersion().equals("B") ? "0.0000008"
                            : "0.0000009")).toList(), applied -> { });
        }
        assertThat(outcome.applied().targetVersion()).isEqualTo("inEffect");
        assertThat(outcome.applied().lines()).extracting(RerateLedger.Line::toVersion).containsExactly("B", "C");
        assertThat(outcome.applied().newTotalUsd()).isEqualByComparingTo("0.000017");
        List<String> april = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "select rate_card_version, cost_usd from spend_aggregate where source = 'other' order by bucket_start")) {
            while (rs.next()) {
                april.add(rs.getString(1) + " " + rs.getBigDecimal(2).stripTrailingZeros().toPlainString());
            }
        }
        assertThat(april).containsExactly("B 0.000008", "C 0.000009");
    }
}
