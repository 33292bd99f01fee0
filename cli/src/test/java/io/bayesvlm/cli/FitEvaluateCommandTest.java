package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.laplace.LaplaceFitter;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fit} then {@code evaluate} on a copy of the fixture model with a small class-folder data set. */
class FitEvaluateCommandTest {

    @Test
    void fitWritesThePosteriorAndEvaluateReportsIt(@TempDir Path dir) throws Exception {
        Path model = copyModel(dir.resolve("model"));
        Path data = Fixture.classFolders(dir.resolve("data"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "fit",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                "--data",
                data.toString(),
                "--validation-data",
                data.toString(),
                "--pseudo-counts",
                "1,3,9",
                "--contrastive-batch",
                "4");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("(chosen)").contains("| 9");
        Map<String, NpyArray> head = Npz.read(model.resolve("head.npz"));
        for (String k : new String[] {
            LaplaceHead.IMAGE_A_INV,
            LaplaceHead.TEXT_B_INV,
            LaplaceFitter.IMAGE_A,
            LaplaceFitter.TEXT_B,
            LaplaceFitter.NUM_PAIRS,
            LaplaceFitter.IMAGE_PRIOR
        }) {
            assertThat(head).containsKey(k);
        }
        assertThat(head.get(LaplaceFitter.NUM_PAIRS).data()[0]).isEqualTo(9f);
        assertThat(head.get(LaplaceFitter.IMAGE_PRIOR).data()[0]).isPositive();
        try (Stream<Path> files = Files.list(model)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .doesNotContainSequence("tmp")
                    .allMatch(n -> !n.endsWith(".tmp"));
        }

        // Re-tune n without data.
        exit = BayesVlmCli.run(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "fit",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                "--refit",
                "--pseudo-counts",
                "7");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(Npz.read(model.resolve("head.npz"))
                        .get(LaplaceFitter.PSEUDO_COUNT)
                        .data()[0])
                .isEqualTo(7f);

        Path report = dir.resolve("report");
        StringWriter evalOut = new StringWriter();
        exit = BayesVlmCli.run(
                new PrintWriter(evalOut, true),
                new PrintWriter(err, true),
                "evaluate",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                "--data",
                data.toString(),
                "--shift",
                "none,rotate,invert",
                "--bins",
                "5",
                "--out",
                report.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(evalOut.toString())
                .contains(
                        "### none",
                        "### rotate",
                        "| MAP (CLIP) |",
                        "| BayesVLM probit |",
                        "| BayesVLM MC | mutual_info |");
        JsonNode metrics =
                new ObjectMapper().readTree(report.resolve("metrics.json").toFile());
        assertThat(metrics.get("shifts").get("none").get("items").asInt()).isEqualTo(9);
        assertThat(metrics.get("shifts").get("none").get("probit").get("bins").size())
                .isEqualTo(5);
        assertThat(ImageIO.read(report.resolve("reliability-rotate.png").toFile())
                        .getWidth())
                .isGreaterThan(400);
        assertThat(report.resolve("report.md")).exists();
    }

    @Test
    void fitWithoutDataExplains(@TempDir Path dir) throws IOException {
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "fit",
                "--model",
                copyModel(dir).toString(),
                "--device",
                "cpu");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--data is required");
    }

    @Test
    void evaluateComparesTemperatureScalingFittedOnHeldOutLabels(@TempDir Path dir) throws Exception {
        Path data = Fixture.classFolders(dir.resolve("data"));
        Path report = dir.resolve("report");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "evaluate",
                "--model",
                Fixture.model().toString(),
                "--device",
                "cpu",
                "--data",
                data.toString(),
                "--shift",
                "none,blur",
                "--bins",
                "5",
                "--temperature-labels",
                "2,4",
                "--out",
                report.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("| MAP (CLIP) + TS (N=2, T=", "| BayesVLM probit + TS (N=4, T=");
        JsonNode metrics =
                new ObjectMapper().readTree(report.resolve("metrics.json").toFile());
        // 9 images, the largest N = 4 set aside: every method is evaluated on the other 5
        assertThat(metrics.get("temperature_fit").get("evaluated_items").asInt())
                .isEqualTo(5);
        assertThat(metrics.get("shifts").get("blur").get("items").asInt()).isEqualTo(5);
        assertThat(metrics.get("shifts").get("none").get("temperature_scaled").size())
                .isEqualTo(4);

        exit = BayesVlmCli.run(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "evaluate",
                "--model",
                Fixture.model().toString(),
                "--device",
                "cpu",
                "--data",
                data.toString(),
                "--temperature-labels",
                "9");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--temperature-labels must be between 1 and 8");
    }

    static Path copyModel(Path target) throws IOException {
        Files.createDirectories(target);
        for (String f : new String[] {"model.json", "image_encoder.pt", "head.npz"}) {
            Files.copy(Fixture.model().resolve(f), target.resolve(f));
        }
        return target;
    }
}
