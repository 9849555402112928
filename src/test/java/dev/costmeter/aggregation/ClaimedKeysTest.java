package dev.costmeter.aggregation;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The batch's table of claimed event keys: each key once, in the order claimed, with what is kept of it. */
class ClaimedKeysTest {

    @Test
    void aKeyIsClaimedOnceAndASecondClaimFindsTheFirst() {
        ClaimedKeys keys = new ClaimedKeys();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        assertThat(keys.claim(a, 11)).isEqualTo(0);
        assertThat(keys.claim(b, 12)).isEqualTo(1);
        assertThat(keys.claim(a, 99)).as("-1 - the position it has").isEqualTo(-1);
        assertThat(keys.claim(b, 99)).isEqualTo(-2);
        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.fingerprint(0)).as("the first claim's fingerprint stays").isEqualTo(11L);
        assertThat(keys.cost(0)).as("not priced yet").isNull();
        keys.priced(1, new BigDecimal("0.00450"));
        assertThat(keys.claimAt(1)).isEqualTo(new PendingBatch.Claim(12L, new BigDecimal("0.00450")));
        assertThat(keys.positionOf(b)).isEqualTo(1);
        assertThat(keys.positionOf(UUID.randomUUID())).isEqualTo(-1);
        assertThat(keys.key(1)).isEqualTo(b);
        assertThat(keys.high(1)).isEqualTo(b.getMostSignificantBits());
        assertThat(keys.low(1)).isEqualTo(b.getLeastSignificantBits());
        assertThatThrownBy(() -> keys.cost(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aHundredThousandKeysKeepTheirOrderAndEverythingKeptOfThemThroughGrowth() {
        ClaimedKeys keys = new ClaimedKeys();
        Random random = new Random(100_000);
        List<UUID> claimed = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            // keys that differ only in their last bits, and keys equal in one half: neither may collide into one
            UUID key = i % 3 == 0 ? new UUID(42, i) : i % 3 == 1 ? new UUID(i, 42) : new UUID(random.nextLong(), random.nextLong());
            assertThat(keys.claim(key, i)).isEqualTo(i);
            keys.priced(i, BigDecimal.valueOf(i, 6));
            claimed.add(key);
        }
        for (int i = 0; i < claimed.size(); i++) {
            assertThat(keys.positionOf(claimed.get(i))).isEqualTo(i);
            assertThat(keys.claim(claimed.get(i), -1)).isEqualTo(-1 - i);
            assertThat(keys.key(i)).isEqualTo(claimed.get(i));
            assertThat(keys.fingerprint(i)).isEqualTo((long) i);
            assertThat(keys.cost(i)).isEqualTo(BigDecimal.valueOf(i, 6));
        }
        assertThat(keys.size()).isEqualTo(100_000);
    }

    @Test
    void aTableOfGivenClaimsKeepsAnUnknownFingerprintAsUnknown() {
        UUID old = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        Map<UUID, PendingBatch.Claim> given = new LinkedHashMap<>();
        given.put(old, new PendingBatch.Claim(null, null));
        given.put(recent, new PendingBatch.Claim(0L, BigDecimal.ONE));
        ClaimedKeys keys = ClaimedKeys.of(given);
        assertThat(keys.claimAt(0)).isEqualTo(new PendingBatch.Claim(null, null));
        assertThat(keys.claimAt(1)).as("0 is a fingerprint like any other").isEqualTo(new PendingBatch.Claim(0L, BigDecimal.ONE));
    }

    /** Kept as numbers, given back as the very decimal: the same digits and the same scale. */
    @Test
    void everyCostComesBackAsTheExactDecimalItWas() {
        List<BigDecimal> costs = List.of(new BigDecimal("0.0045"), new BigDecimal("0.00450"), BigDecimal.ZERO, new BigDecimal("0E-12"),
                new BigDecimal("0.000000000000000001"), new BigDecimal("999999999999999999"), new BigDecimal("1E+3"),
                new BigDecimal("-0.25"), new BigDecimal("0.123456789012345678"),
                new BigDecimal("1234567890.1234567890123"), // 23 digits: more than a long holds
                new BigDecimal("1E-70"), new BigDecimal("5E+70"), // scales costs never have
                new BigDecimal("0.0000011"));
        ClaimedKeys keys = new ClaimedKeys();
        for (int i = 0; i < costs.size(); i++) {
            keys.claim(new UUID(7, i), i);
            keys.priced(i, costs.get(i));
        }
        keys.claim(new UUID(8, 0), 0); // never priced
        for (int i = 0; i < costs.size(); i++) {
            assertThat(keys.cost(i)).as("cost %s", costs.get(i)).isEqualTo(costs.get(i)); // equals: value and scale
            assertThat(keys.claimAt(i).costUsd()).isEqualTo(costs.get(i));
            if (keys.hasCompactCost(i)) {
                assertThat(BigDecimal.valueOf(keys.costUnscaled(i), keys.costScale(i))).isEqualTo(costs.get(i));
            }
        }
        assertThat(keys.cost(costs.size())).isNull();
        assertThat(keys.hasCompactCost(costs.size())).as("not priced").isFalse();
        assertThat(keys.hasCompactCost(9)).as("23 digits").isFalse();
        assertThat(keys.hasCompactCost(0)).isTrue();
        keys.priced(9, new BigDecimal("0.5")); // priced again (a large cost replaced by a small one)
        assertThat(keys.cost(9)).isEqualTo(new BigDecimal("0.5"));
    }
}
