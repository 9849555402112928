package dev.costmeter.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How bench/run repeats its measurement (BENCH_ROUNDS) and sums the rounds up. */
class BenchRoundsTest {

    @Test
    void oneRoundUnlessAskedForMore() {
        assertThat(EndToEndBenchmark.rounds(null)).isEqualTo(1);
        assertThat(EndToEndBenchmark.rounds(" ")).isEqualTo(1);
        assertThat(EndToEndBenchmark.rounds(" 3 ")).isEqualTo(3);
        assertThatThrownBy(() -> EndToEndBenchmark.rounds("0")).hasMessageContaining("at least 1");
    }

    @Test
    void theMedianOfAnOddNumberOfRoundsIsTheMiddleOne() {
        assertThat(EndToEndBenchmark.medianAndRange(List.of(0.22, 0.15, 0.19))).isEqualTo("0.19 (0.15–0.22)");
    }

    @Test
    void theMedianOfAnEvenNumberOfRoundsIsTheMeanOfTheMiddleTwo() {
        assertThat(EndToEndBenchmark.medianAndRange(List.of(0.30, 0.20, 0.10, 0.24))).isEqualTo("0.22 (0.10–0.30)");
    }

    @Test
    void oneRoundIsItsOwnMedianAndRange() {
        assertThat(EndToEndBenchmark.medianAndRange(List.of(0.2))).isEqualTo("0.20 (0.20–0.20)");
    }
}
