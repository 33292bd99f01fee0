package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bayesvlm.core.Fixture;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher a user runs, {@code bin/bayesvlm score}, as a separate process on the packaged build. */
class BinScoreITCase {

    @Test
    void launcherScoresFilesAndReportsFailures(@TempDir Path dir) throws Exception {
        Path root = Path.of(System.getProperty("repo.root")).toAbsolutePath().normalize();
        Path zero = Files.write(dir.resolve("zero.webp"), new byte[0]);
        Process p = new ProcessBuilder(List.of(
                        root.resolve("bin/bayesvlm").toString(),
                        "score",
                        "--model",
                        Fixture.model().toString(),
                        "--batch-size",
                        "2",
                        Fixture.image("rgb0.png").toString(),
                        zero.toString(),
                        Fixture.image("rgb0.webp").toString()))
                .redirectError(
                        ProcessBuilder.Redirect.to(dir.resolve("stderr.txt").toFile()))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertThat(p.exitValue()).as(err).isEqualTo(1);

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = out.lines()
                .map(l -> {
                    try {
                        return json.readTree(l);
                    } catch (Exception e) {
                        throw new AssertionError("stdout is not JSON Lines: " + l, e);
                    }
                })
                .toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("prediction").asText()).isEqualTo("dog");
        assertThat(lines.get(1).get("error_code").asText()).isEqualTo("EMPTY_INPUT");
        // Lossless WebP of the same pixels: the same numbers.
        assertThat(lines.get(2).get("probs")).isEqualTo(lines.get(0).get("probs"));
        assertThat(err).contains("1 of 3 file(s) could not be scored").doesNotContain("Exception");
        assertThat(new File(root.toFile(), ".djl-cache")).isDirectory();
    }
}
