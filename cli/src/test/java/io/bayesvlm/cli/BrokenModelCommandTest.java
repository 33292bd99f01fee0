package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on broken models: a damaged head is refused at load (exit 2, the array named), never scored; a model
 * that yields non-finite values for some images gives an error line per image in {@code score} and a report that
 * says what it left out in {@code evaluate}, within a time limit that is part of the assertion.
 */
class BrokenModelCommandTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aHeadWithANaNIsRefusedByScoreAndEvaluateNamingTheArray(@TempDir Path dir) throws Exception {
        Path model = FitEvaluateCommandTest.copyModel(dir.resolve("model"));
        Map<String, NpyArray> head = new HashMap<>(Npz.read(model.resolve("head.npz")));
        float[] a = head.get("image_A_inv").data().clone();
        a[5] = Float.NaN;
        head.put("image_A_inv", new NpyArray(head.get("image_A_inv").shape(), a));
        Npz.write(model.resolve("head.npz"), head);
        Path data = Fixture.classFolders(dir.resolve("data"));

        Run score = run(
                "score",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                Fixture.image("rgb0.png").toString());
        assertThat(score.exit()).isEqualTo(2);
        assertThat(score.out()).isEmpty();
        assertThat(score.err()).contains("head.npz").contains("array 'image_A_inv' has a non-finite value (NaN)");

        Run evaluate = assertTimeoutPreemptively(
                LIMIT,
                () -> run("evaluate", "--model", model.toString(), "--device", "cpu", "--data", data.toString()));
        assertThat(evaluate.exit()).isEqualTo(2);
        assertThat(evaluate.err()).contains("array 'image_A_inv' has a non-finite value (NaN)");
    }

    /** image.std = 1e-45: every non-black pixel becomes an infinite input and the encoder's output NaN. */
    private static Path overflowingModel(Path dir) throws Exception {
        Path model = FitEvaluateCommandTest.copyModel(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(model.resolve("model.json").toFile());
        ObjectNode image = (ObjectNode) root.get("image");
        image.putArray("mean").add(0.0).add(0.0).add(0.0);
        image.putArray("std").add(1e-45).add(1e-45).add(1e-45);
        json.writeValue(model.resolve("model.json").toFile(), root);
        return model;
    }

    @Test
    void scorePrintsAnErrorLineForAnImageWithNonFiniteScores(@TempDir Path dir) throws Exception {
        Path model = overflowingModel(dir.resolve("model"));
        Run score = run(
                "score",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                Fixture.image("rgb0.png").toString());
        assertThat(score.exit()).isEqualTo(1);
        JsonNode line = new ObjectMapper().readTree(score.out());
        assertThat(line.get("error_code").asText()).isEqualTo("NON_FINITE_SCORE");
        assertThat(line.get("error").asText()).contains("non-finite");
        assertThat(line.has("prediction")).isFalse();
        assertThat(score.err()).contains("1 of 1 file(s) could not be scored");
    }

    @Test
    void evaluateReturnsAndSaysWhatItLeftOut(@TempDir Path dir) throws Exception {
        Path model = overflowingModel(dir.resolve("model"));
        Path data = Fixture.classFolders(dir.resolve("data"));
        Path report = dir.resolve("report");
        Run evaluate = assertTimeoutPreemptively(
                LIMIT,
                () -> run(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--device",
                        "cpu",
                        "--data",
                        data.toString(),
                        "--shift",
                        "none",
                        "--bins",
                        "5",
                        "--out",
                        report.toString()));
        assertThat(evaluate.exit()).as(evaluate.err()).isZero();
        assertThat(evaluate.out()).contains("9 images left out: the model gave them non-finite");
        JsonNode none = new ObjectMapper()
                .readTree(report.resolve("metrics.json").toFile())
                .get("shifts")
                .get("none");
        assertThat(none.get("skipped_non_finite").asInt()).isEqualTo(9);
        assertThat(report.resolve("reliability-none.png")).exists();
    }
}
