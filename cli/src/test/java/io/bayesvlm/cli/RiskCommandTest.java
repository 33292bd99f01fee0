package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code risk} on the built-in model and the 2,000 sample test images (not used to train or tune it). */
class RiskCommandTest {
    static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void reportsAThresholdPerScoreAndAlphaWhoseBoundIsWithinAlpha() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "risk",
                "--model",
                ROOT.resolve("models/fashion-clip").toString(),
                "--device",
                "cpu",
                "--data",
                ROOT.resolve("models/fashion-mnist-sample").toString(),
                "--alpha",
                "0.02,0.05");
        assertThat(exit).as(err.toString()).isZero();
        List<String[]> rows = Arrays.stream(out.toString().split("\n"))
                .filter(l -> l.startsWith("| MAP") || l.startsWith("| BayesVLM"))
                .map(l -> l.split("\\|"))
                .toList();
        assertThat(rows).hasSize((2 + 6) * 2);
        for (String[] r : rows) {
            double alpha = Double.parseDouble(r[3].strip());
            if (!r[4].contains("review all")) {
                assertThat(Double.parseDouble(r[5].strip()))
                        .as(String.join("|", r))
                        .isLessThanOrEqualTo(alpha);
            } else {
                assertThat(Double.parseDouble(r[6].strip())).isEqualTo(1.0);
            }
        }
        // at 5% the 1,000 calibration labels vouch for a threshold with MAP's and BayesVLM's confidence
        assertThat(rows)
                .filteredOn(r -> r[2].strip().equals("max_prob") && r[3].strip().equals("0.050"))
                .allSatisfy(r -> assertThat(r[4]).doesNotContain("review all"));
    }
}
