package io.bayesvlm.demo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.Fixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code headbench} prints one row per model and batch size, and each model's score throughput against the first's. */
class HeadBenchmarkTest {

    @Test
    void printsARowPerBatchSizeAndTheThroughput() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = HeadBenchmark.run(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "--device",
                "cpu",
                "--batches",
                "1,4",
                "--repeats",
                "3",
                "--score-images",
                "8",
                "--score-rounds",
                "2",
                Fixture.model().toString(),
                Fixture.model().toString());
        assertThat(exit).as(err.toString()).isZero();
        String[] rows = out.toString()
                .lines()
                .filter(l -> l.startsWith("| ") && !l.startsWith("| model") && !l.startsWith("| ---"))
                .toArray(String[]::new);
        assertThat(rows).hasSize(4);
        assertThat(rows[0]).matches("\\| \\S+ \\| \\d+ \\| 1 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+% \\| [0-9.]+ \\|");
        assertThat(rows[1]).contains("| 4 |");
        assertThat(out.toString())
                .contains("median of 3 timed calls")
                .contains("median of 2 rounds")
                .containsPattern("K = \\d+\\): [0-9.]+ images/s\\n")
                .containsPattern("images/s \\([0-9.]+x the first\\)");
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(HeadBenchmark.median(new long[] {9, 1, 5})).isEqualTo(5.0);
        assertThat(HeadBenchmark.median(new long[] {8, 2, 4, 100})).isEqualTo(6.0);
    }
}
