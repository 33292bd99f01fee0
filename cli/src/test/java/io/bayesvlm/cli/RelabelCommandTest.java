package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bayesvlm.core.model.ModelSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new label set for the default model, then scoring with it. */
class RelabelCommandTest {

    static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void footwearOnlyModelScoresASneaker(@TempDir Path dir) throws Exception {
        Path classes = Files.writeString(dir.resolve("classes.json"), """
                [{"id": "sneaker", "prompt": "a photo of a running shoe"},
                 {"id": "sandal", "prompt": "a photo of a sandal"},
                 {"id": "boot", "prompt": "a photo of an ankle boot"}]
                """);
        Path out = dir.resolve("footwear");
        StringWriter err = new StringWriter();
        int exit = BayesVlmCli.run(
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "relabel",
                "--model",
                ROOT.resolve("models/fashion-clip").toString(),
                "--classes",
                classes.toString(),
                "--out",
                out.toString(),
                "--device",
                "cpu");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(ModelSpec.load(out).classIds()).containsExactly("sneaker", "sandal", "boot");
        assertThat(ModelSpec.load(ROOT.resolve("models/fashion-clip")).numClasses())
                .isEqualTo(10); // source untouched

        StringWriter scored = new StringWriter();
        Path sneaker;
        try (var files = Files.list(ROOT.resolve("models/fashion-mnist-sample/sneaker"))) {
            sneaker = files.sorted().findFirst().orElseThrow();
        }
        exit = BayesVlmCli.run(
                new PrintWriter(scored, true),
                new PrintWriter(err, true),
                "score",
                "--model",
                out.toString(),
                "--device",
                "cpu",
                sneaker.toString());
        assertThat(exit).isZero();
        JsonNode o = new ObjectMapper().readTree(scored.toString());
        assertThat(o.get("probs")).hasSize(3);
        assertThat(o.get("prediction").asText()).isEqualTo("sneaker");
    }

    @Test
    void refusesAnExistingOutputDirectory(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        Path classes = Files.writeString(dir.resolve("c.json"), "[{\"id\": \"a\", \"prompt\": \"a bag\"}]");
        int exit = BayesVlmCli.run(
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "relabel",
                "--model",
                ROOT.resolve("models/fashion-clip").toString(),
                "--classes",
                classes.toString(),
                "--out",
                dir.toString(),
                "--device",
                "cpu");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("already exists");
    }

    @Test
    void refusesASingleClass(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        Path classes = Files.writeString(dir.resolve("c.json"), "[{\"id\": \"a\", \"prompt\": \"a bag\"}]");
        Path out = dir.resolve("one");
        int exit = BayesVlmCli.run(
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "relabel",
                "--model",
                ROOT.resolve("models/fashion-clip").toString(),
                "--classes",
                classes.toString(),
                "--out",
                out.toString(),
                "--device",
                "cpu");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("at least 2");
        assertThat(out).doesNotExist();
    }
}
