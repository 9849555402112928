package dev.costmeter.aggregation;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** A row's sums are exact whatever the quantities: whole counts, fractions, and sums beyond a long. */
class AggregateSumsTest {

    @Test
    void wholeCountsSumExactlyAndTheCostIsTheSumOfTheLines() {
        AggregateSums row = new AggregateSums();
        row.add(new BigDecimal("2000"), new BigDecimal("0.0020"));
        row.add(new BigDecimal("500"), new BigDecimal("0.0025"));
        assertThat(row.quantity()).isEqualTo(new BigDecimal("2500"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("0.0045"));
        assertThat(row.events()).isEqualTo(2);
        row.subtract(new BigDecimal("500"), new BigDecimal("0.0025"));
        assertThat(row.quantity()).isEqualTo(new BigDecimal("2000"));
        assertThat(row.costUsd()).isEqualTo(new BigDecimal("0.0020"));
        assertThat(row.events()).isEqualTo(1);
    }

    @Test
    void fractionsAndWholeCountsTogetherKeepTheScaleOfTheFractions() {
        AggregateSums row = new AggregateSums();
        row.add(new BigDecimal("3"), BigDecimal.ONE);
        row.add(new BigDecimal("1.25"), BigDecimal.ONE); // OCU-hours, seconds of video …
        row.add(new BigDecimal("1E+1"), BigDecimal.ONE); // a whole number written with a negative scale
        assertThat(row.quantity()).isEqualTo(new BigDecimal("14.25"));
        row.subtract(new BigDecimal("1.25"), BigDecimal.ONE);
        assertThat(row.quantity()).as("the scale of a sum that had a fraction, as BigDecimal.add gives it").isEqualTo(new BigDecimal("13.00"));
    }

    @Test
    void sumsBeyondALongStayExact() {
        AggregateSums row = new AggregateSums();
        BigDecimal large = new BigDecimal("999999999999999999"); // 18 digits: summed in the long
        for (int i = 0; i < 20; i++) {
            row.add(large, BigDecimal.ZERO);
        }
        row.add(new BigDecimal("123456789012345678901234567890"), BigDecimal.ZERO); // beyond a long from the start
        assertThat(row.quantity()).isEqualTo(large.multiply(BigDecimal.valueOf(20)).add(new BigDecimal("123456789012345678901234567890")));
        assertThat(row.events()).isEqualTo(21);
    }
}
