package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.TestImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bayesvlm score} end to end in-process: real files, real DJL/libtorch, the fixture model. */
class ScoreCommandTest {

    private static final List<String> IDS = List.of("cat", "dog", "car", "tree");
    private final ObjectMapper json = new ObjectMapper();

    record Run(int exit, List<JsonNode> lines, String err) {}

    /** {@code score} with the fixture model on CPU. */
    Run score(String... args) throws IOException {
        List<String> all =
                new ArrayList<>(List.of("score", "--model", Fixture.model().toString(), "--device", "cpu"));
        all.addAll(Arrays.asList(args));
        return cli(all.toArray(String[]::new));
    }

    Run cli(String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        return new Run(exit, lines, err.toString());
    }

    @Test
    void scoresEveryFormatAndWritesTheDocumentedFields() throws IOException {
        String[] names = {"rgb0.png", "rgb0.jpg", "rgb0.webp", "rgb0.gif", "rgb0.bmp", "large.png"};
        Run run =
                score(Arrays.stream(names).map(n -> Fixture.image(n).toString()).toArray(String[]::new));
        assertThat(run.exit()).isZero();
        assertThat(run.lines()).hasSize(names.length);
        for (int i = 0; i < names.length; i++) {
            JsonNode o = run.lines().get(i);
            assertThat(o.get("image").asText())
                    .isEqualTo(Fixture.image(names[i]).toString());
            assertThat(IDS).contains(o.get("prediction").asText());
            for (String field : List.of("probs", "map_probs", "logits_mean", "logits_var")) {
                assertThat(o.get(field).size()).as(field).isEqualTo(IDS.size());
            }
            double sum = 0;
            for (JsonNode p : o.get("probs")) {
                sum += p.asDouble();
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
            for (JsonNode v : o.get("logits_var")) {
                assertThat(v.asDouble()).isGreaterThanOrEqualTo(0);
            }
            assertThat(o.get("uncertainty").fieldNames())
                    .toIterable()
                    .containsExactly("max_prob", "entropy", "mutual_info", "top_logit_std", "margin", "doctor");
            assertThat(o.has("error")).isFalse();
        }
    }

    @Test
    void badFilesGetAnErrorLineInPlaceAndTheRestAreScored(@TempDir Path dir) throws IOException {
        byte[] png = Files.readAllBytes(Fixture.image("rgb1.png"));
        byte[] jpg = Files.readAllBytes(Fixture.image("rgb0.jpg"));
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        Path truncated = Files.write(dir.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        Path truncatedJpeg = Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpg, jpg.length * 2 / 3));
        byte[] garbage = new byte[300];
        new java.util.Random(2).nextBytes(garbage);
        garbage[0] = (byte) 0xFF;
        garbage[1] = (byte) 0xD8;
        garbage[2] = (byte) 0xFF;
        Path corrupt = Files.write(dir.resolve("corrupt.jpg"), garbage);
        Path bomb = Files.write(dir.resolve("bomb.png"), TestImages.pngHeader(50_000, 50_000));
        Path text = Files.writeString(dir.resolve("notes.png"), "this is not an image");
        Path missing = dir.resolve("missing.png");
        Path big = Files.write(dir.resolve("big.png"), Arrays.copyOf(png, 3000)); // trailing bytes past IEND

        Run run = score(
                "--max-bytes",
                "2000",
                Fixture.image("rgb0.png").toString().replace("rgb0.png", "rgb3.png"),
                empty.toString(),
                truncated.toString(),
                truncatedJpeg.toString(),
                corrupt.toString(),
                bomb.toString(),
                text.toString(),
                missing.toString(),
                big.toString(),
                Fixture.image("rgb2.png").toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("8 of 10 file(s) could not be scored");
        List<String> codes = run.lines().stream()
                .map(o -> o.has("error") ? o.get("error_code").asText() : "OK")
                .toList();
        assertThat(codes)
                .containsExactly(
                        "OK",
                        "EMPTY_INPUT",
                        "CORRUPT_IMAGE",
                        "CORRUPT_IMAGE",
                        "CORRUPT_IMAGE",
                        "TOO_MANY_PIXELS",
                        "UNSUPPORTED_FORMAT",
                        "UNREADABLE",
                        "TOO_MANY_BYTES",
                        "OK");
        assertThat(run.lines().get(5).get("error").asText()).contains("50000x50000");
        assertThat(run.lines().get(7).get("image").asText()).isEqualTo(missing.toString());
        assertThat(run.lines().get(9).get("prediction")).isNotNull();
    }

    @Test
    void monteCarloPredictiveIsSeeded() throws IOException {
        String img = Fixture.image("rgb2.png").toString();
        JsonNode a = score("--predictive", "mc", "--mc-samples", "500", "--seed", "3", img)
                .lines()
                .get(0);
        JsonNode b = score("--predictive", "MC", "--mc-samples", "500", "--seed", "3", img)
                .lines()
                .get(0);
        JsonNode probit = score(img).lines().get(0);
        assertThat(a.get("probs")).isEqualTo(b.get("probs"));
        assertThat(a.get("probs")).isNotEqualTo(probit.get("probs"));
        assertThat(a.get("logits_mean")).isEqualTo(probit.get("logits_mean"));
    }

    @Test
    void usageErrorsExitWithTwoAndAClearMessage() throws IOException {
        String img = Fixture.image("rgb0.png").toString();
        Run badModel = cli("score", "--model", "/nonexistent-model", img);
        assertThat(badModel.exit()).isEqualTo(2);
        assertThat(badModel.err()).contains("model.json not found");
        Run badDevice = cli("score", "--model", Fixture.model().toString(), "--device", "tpu", img);
        assertThat(badDevice.exit()).isEqualTo(2);
        assertThat(badDevice.err()).contains("auto, cpu, gpu or gpu:<index>");
        Run noFiles = score();
        assertThat(noFiles.exit()).isEqualTo(2);
        assertThat(noFiles.err()).contains("FILE");
    }
}
