package dev.costmeter.aggregation;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A row's sums are exact whatever the quantities and prices: whole counts, fractions, sums beyond a long. */
class AggregateSumsTest {

    private static final BigDecimal HAIKU_INPUT = new BigDecimal("0.000001"); // $1.00 per million tokens

    @Test
    void wholeCountsSumExactlyAndTheCostIsTheSumOfTheLines() {
        AggregateSums row = new AggregateSums();
        row.add(new BigDecimal("2000"), HAIKU_INPUT, new BigDecimal("0.002000"));
        row.add(new BigDecimal("500"), HAIKU_INPUT, new BigDecimal("0.000500"));
        assertThat(row.quantity()).isEqualTo(new BigDecimal("2500"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("0.002500"));
        assertThat(row.events()).isEqualTo(2);
        row.subtract(new BigDecimal("500"), HAIKU_INPUT, new BigDecimal("0.000500"));
        assertThat(row.quantity()).isEqualTo(new BigDecimal("2000"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("0.002000"));
        assertThat(row.events()).isEqualTo(1);
    }

    @Test
    void fractionsAndWholeCountsTogetherKeepTheScaleOfTheFractions() {
        AggregateSums row = new AggregateSums();
        row.add(new BigDecimal("3"), BigDecimal.ONE, new BigDecimal("3"));
        row.add(new BigDecimal("1.25"), BigDecimal.ONE, new BigDecimal("1.25")); // OCU-hours, seconds of video …
        row.add(new BigDecimal("1E+1"), BigDecimal.ONE, new BigDecimal("1E+1")); // a whole number written with a negative scale
        assertThat(row.quantity()).isEqualTo(new BigDecimal("14.25"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("14.25"));
        row.subtract(new BigDecimal("1.25"), BigDecimal.ONE, new BigDecimal("1.25"));
        assertThat(row.quantity()).as("the scale of a sum that had a fraction, as BigDecimal.add gives it").isEqualTo(new BigDecimal("13.00"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("13.00"));
    }

    @Test
    void sumsBeyondALongStayExact() {
        AggregateSums row = new AggregateSums();
        BigDecimal large = new BigDecimal("999999999999999999"); // 18 digits: summed in the long
        BigDecimal price = new BigDecimal("0.000000000000000015"); // 18 digits of scale
        for (int i = 0; i < 20; i++) {
            row.add(large, price, large.multiply(price)); // the cost's units pass a long on the first line
        }
        BigDecimal beyond = new BigDecimal("123456789012345678901234567890"); // beyond a long from the start
        row.add(beyond, price, beyond.multiply(price));
        assertThat(row.quantity()).isEqualTo(large.multiply(BigDecimal.valueOf(20)).add(beyond));
        assertThat(row.costUsd()).isEqualTo(large.multiply(BigDecimal.valueOf(20)).add(beyond).multiply(price));
        assertThat(row.events()).isEqualTo(21);
    }

    @Test
    void aLineOfAnotherPriceIsSummedAsADecimal() {
        AggregateSums row = new AggregateSums();
        row.add(new BigDecimal("1000"), HAIKU_INPUT, new BigDecimal("0.001000"));
        BigDecimal sameValueReadAgain = new BigDecimal("0.000001"); // a card read again: another object, the same price
        row.add(new BigDecimal("1000"), sameValueReadAgain, new BigDecimal("0.001000"));
        BigDecimal cacheRead = new BigDecimal("0.0000001"); // not the row's price: summed as it is
        row.add(new BigDecimal("10"), cacheRead, new BigDecimal("0.0000010"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("0.0020010"));
    }

    @Test
    void aLineWhoseCostIsNotItsQuantityTimesItsPriceIsCaughtInEveryTestRun() {
        // The sums rely on it (the pricer makes every line so); Surefire runs the tests with -ea.
        assertThatThrownBy(() -> new AggregateSums().add(BigDecimal.TEN, HAIKU_INPUT, new BigDecimal("0.5")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("10 × 0.000001 ≠ 0.5");
    }

    /**
     * Whatever the lines, the row's sums equal, in value and in scale, the plain decimal sums of
     * their quantities and costs, as {@code BigDecimal.add} gives them line by line.
     */
    @Test
    void theSumsAreThoseOfTheLinesAddedOneByOne() {
        List<BigDecimal> prices = List.of(new BigDecimal("0.000001"), new BigDecimal("0.0000000125"), new BigDecimal("0.00000625"),
                new BigDecimal("3.5"), new BigDecimal("0.0000000000000000001"), new BigDecimal("12345678901234567.89"));
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            AggregateSums row = new AggregateSums();
            BigDecimal quantity = BigDecimal.ZERO;
            BigDecimal cost = BigDecimal.ZERO;
            List<BigDecimal[]> added = new ArrayList<>();
            BigDecimal rowPrice = prices.get(random.nextInt(prices.size()));
            for (int i = 0; i < 50; i++) {
                BigDecimal q = switch (random.nextInt(4)) {
                    case 0 -> BigDecimal.valueOf(random.nextInt(100_000));
                    case 1 -> BigDecimal.valueOf(random.nextLong() & Long.MAX_VALUE).divide(BigDecimal.TEN).setScale(0, java.math.RoundingMode.DOWN);
                    case 2 -> BigDecimal.valueOf(random.nextInt(10_000), 2); // a fraction
                    default -> new BigDecimal(random.nextInt(5) + "E+" + random.nextInt(3)); // whole, in any scale
                };
                BigDecimal p = random.nextInt(10) == 0 ? prices.get(random.nextInt(prices.size())) // now and then another price
                        : random.nextBoolean() ? rowPrice : new BigDecimal(rowPrice.toString()); // the row's, or an equal one
                BigDecimal c = q.multiply(p);
                row.add(q, p, c);
                quantity = quantity.add(q);
                cost = cost.add(c);
                added.add(new BigDecimal[] {q, p, c});
                if (random.nextInt(8) == 0) { // a duplicate taken back out
                    BigDecimal[] back = added.remove(random.nextInt(added.size()));
                    row.subtract(back[0], back[1], back[2]);
                    quantity = quantity.subtract(back[0]);
                    cost = cost.subtract(back[2]);
                }
            }
            assertThat(row.quantity()).as("seed %d", seed).isEqualTo(quantity);
            assertThat(row.costUsd()).as("seed %d: value and scale", seed).isEqualTo(cost);
            assertThat(row.events()).as("seed %d", seed).isEqualTo(added.size());
        }
    }
}
