package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.FailurePredictor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fit-failure} and {@code failure-study} on the built-in model and its 2,000 sample test images. */
class FailureCommandsTest {
    static final Path ROOT = RiskCommandTest.ROOT;

    @TempDir
    Path dir;

    /** A command on the built-in model and its sample images, on the CPU, with more arguments. */
    private static String[] onBuiltIn(String command, String... more) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of(
                command,
                "--model",
                ROOT.resolve("models/fashion-clip").toString(),
                "--device",
                "cpu",
                "--data",
                ROOT.resolve("models/fashion-mnist-sample").toString()));
        a.addAll(java.util.List.of(more));
        return a.toArray(String[]::new);
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        return BayesVlmCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void fitFailureWritesAPredictorTheModelLoads() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path file = dir.resolve("failure.npz");
        int exit = run(out, err, onBuiltIn("fit-failure", "--out", file.toString(), "--epochs", "3"));
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("trained on 2000 images").contains("wrong predictions");
        try (BayesVlmModel m = BayesVlmModel.load(
                ROOT.resolve("models/fashion-clip"),
                ScoringOptions.DEFAULTS.withDevice(io.bayesvlm.core.model.DeviceSpec.parse("cpu")))) {
            FailurePredictor p = FailurePredictor.load(file, m.head().unitClassEmbeddings());
            assertThat(p.numClasses()).isEqualTo(m.spec().classIds().size());
        }
        assertThat(run(new StringWriter(), err, "fit-failure", "--model", "x", "--data", "y", "--epochs", "0"))
                .isNotZero();

        // risk reports it as the score "learned" (here on the images it was trained on: only the table's shape)
        StringWriter risk = new StringWriter();
        assertThat(run(risk, err, onBuiltIn("risk", "--alpha", "0.05", "--failure", file.toString())))
                .isZero();
        assertThat(risk.toString()).containsPattern("\\| BayesVLM probit \\| learned \\| 0\\.050 \\|");
        StringWriter evaluate = new StringWriter();
        assertThat(run(evaluate, err, onBuiltIn("evaluate", "--failure", file.toString())))
                .isZero();
        assertThat(evaluate.toString()).containsPattern("\\| learned \\| 0\\.\\d{4} \\| 0\\.\\d{4} \\|");
    }

    @Test
    void failureStudyReportsEveryScoreAndTheLearnedOneAgainstMutualInfo() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = run(
                out,
                err,
                onBuiltIn(
                        "failure-study",
                        "--splits",
                        "2",
                        "--bootstrap",
                        "50",
                        "--shift",
                        "noise",
                        "--training",
                        "8,16,8,3,0.01"));
        assertThat(exit).as(err.toString()).isZero();
        String report = out.toString();
        assertThat(report)
                .contains("| score | none | noise |")
                .contains("| mutual_info |")
                .contains("| learned |");
        assertThat(report)
                .containsPattern("\\| learned − mutual_info, 95% interval \\| [+-]0\\.\\d{3} \\[[+-]0\\.\\d{3}");
    }

    @Test
    void failureStudyTrainsOnAPoolOfOtherImagesWhenGivenOne() {
        String sample = ROOT.resolve("models/fashion-mnist-sample").toString();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] study = {"--splits", "1", "--bootstrap", "20", "--shift", "noise", "--training", "8,16,8,2,0.01"};
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(onBuiltIn("failure-study", study)));
        args.addAll(java.util.List.of("--range", "0:1000", "--train-data", sample, "--train-range", "1000:2000"));
        int exit = run(out, err, args.toArray(String[]::new));
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("1000 images, 1 seeded splits")
                .containsPattern("the predictor trained on 1000 images of .*\\(test 1000:2000\\) \\(\\d+ wrong\\)")
                .contains("| learned |");

        // the study's own images as the pool: refused before anything is loaded
        StringWriter refused = new StringWriter();
        java.util.List<String> same = new java.util.ArrayList<>(java.util.List.of(onBuiltIn("failure-study", study)));
        same.addAll(java.util.List.of("--train-data", sample));
        assertThat(run(new StringWriter(), refused, same.toArray(String[]::new)))
                .isNotZero();
        assertThat(refused.toString()).contains("--train-data is --data");
    }
}
