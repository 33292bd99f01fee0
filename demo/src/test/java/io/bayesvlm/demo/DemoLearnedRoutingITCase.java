package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routing.score=auto in the whole system (real Kafka, registry, Flink, review service, simulated reviewers), from a
 * cold start with no predictor: the reviewers file every sandal as a sneaker from the start (a taxonomy change the
 * model cannot see, so its confident sandals are confidently wrong and no fixed score can tell). The same replay
 * is run twice: on max_prob, and on auto. Under auto the reviews and audits train the learned failure predictor,
 * a threshold on it is certified on the same design labels, routing switches to it (decisions carry its version),
 * and people review fewer items than under max_prob, while the realised error among automatic decisions stays
 * within alpha.
 */
class DemoLearnedRoutingITCase {

    @TempDir
    Path dir;

    static final String[] SCENARIO = {"--duration", "90", "--drift", "none", "--relabel", "sandal=sneaker"};

    static final Pattern REVIEWED = Pattern.compile("routed to review (\\d+) \\(([0-9.]+)%\\)");
    static final Pattern PHASE = Pattern.compile(
            "^  (clean|drifted) +review rate +([0-9.]+)%, decided automatically +(\\d+), realised error among them"
                    + " (\\S+)(?: \\((within|ABOVE) alpha \\+ 2 SE = ([0-9.]+)\\))?$");

    @Test
    void onAutoTheLearnedScoreIsCertifiedRoutesAndTakesFewerReviewsThanMaxProbAtTheSameAlpha() throws Exception {
        List<String> fixed = DemoRun.run(dir, SCENARIO);
        List<String> auto =
                DemoRun.run(dir, concat(SCENARIO, "--routing.score", "auto", "--failure.window-labels", "500"));
        String autoText = String.join("\n", auto);

        // decisions routed by a learned predictor, recorded with its version, on a certified threshold
        assertThat(line(auto, "routed by: ")).containsPattern("learned sha256:[0-9a-f]{16} \\d+ decisions");
        assertThat(autoText).containsPattern("CERTIFIED learned <= [0-9.]+ \\(sha256:[0-9a-f]{16}\\)");
        assertThat(line(fixed, "routed by: ")).doesNotContain("learned");

        double fixedRate = reviewRate(fixed);
        double autoRate = reviewRate(auto);
        assertThat(autoRate)
                .as("review rate on auto against max_prob (%s%%)", fixedRate)
                .isLessThan(fixedRate - 20);

        // wherever something was decided automatically, the realised error stays within alpha + 2 binomial SE
        int automatic = 0;
        for (String l : auto) {
            Matcher m = PHASE.matcher(l);
            if (m.matches() && Long.parseLong(m.group(3)) > 0) {
                automatic++;
                assertThat(m.group(5)).as(l).isEqualTo("within");
            }
        }
        assertThat(automatic)
                .as("phases with automatic decisions on auto:%n%s", autoText)
                .isPositive();
    }

    private static double reviewRate(List<String> lines) {
        Matcher m = REVIEWED.matcher(line(lines, "events in "));
        assertThat(m.find()).isTrue();
        return Double.parseDouble(m.group(2));
    }

    private static String line(List<String> lines, String prefix) {
        return lines.stream()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no line starting '" + prefix + "' in:\n" + String.join("\n", lines)));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
