package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job refuses to start on a broken model, once, with one line naming the file and the array: it never gets as
 * far as subtasks that would fail in open() and restart forever.
 */
class JobStartupTest {
    private static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void aHeadWithANegativeVarianceIsRefusedBeforeTheJobIsBuilt(@TempDir Path dir) throws Exception {
        try (var files = Files.list(ROOT.resolve("models/fashion-clip"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Map<String, NpyArray> head = new HashMap<>(Npz.read(dir.resolve("head.npz")));
        NpyArray b = head.get("text_B_inv");
        float[] data = b.data().clone();
        data[0] = -1f;
        head.put("text_B_inv", new NpyArray(b.shape(), data));
        Npz.write(dir.resolve("head.npz"), head);

        assertThatThrownBy(() -> JobPreflight.prepare(new String[] {"--model.dir", dir.toString()}))
                .isInstanceOf(JobPreflight.StartupException.class)
                .hasMessageContaining("model.dir")
                .hasMessageContaining(dir.resolve("head.npz").toString())
                .hasMessageContaining("array 'text_B_inv' is not positive semi-definite");
    }

    @Test
    void routingOnTheLearnedScoreNeedsThisModelsFailurePredictor(@TempDir Path dir) throws Exception {
        // the built-in model has none
        assertThatThrownBy(() -> JobPreflight.prepare(new String[] {
                    "--model.dir", ROOT.resolve("models/fashion-clip").toString(), "--routing.score", "learned"
                }))
                .isInstanceOf(JobPreflight.StartupException.class)
                .hasMessageContaining("routing.score=learned needs the learned failure predictor")
                .hasMessageContaining("fit-failure");
        // one trained against other class embeddings (another model, another prompt set)
        LearnedScoreFixture.modelWithPredictor(dir, false);
        assertThatThrownBy(() -> JobPreflight.prepare(
                        new String[] {"--model.dir", dir.toString(), "--routing.score", "learned"}))
                .isInstanceOf(JobPreflight.StartupException.class)
                .hasMessageContaining("routing.score=learned")
                .hasMessageContaining("array 'text'");
        // an unknown score names the learned one among the choices
        assertThatThrownBy(() -> JobPreflight.prepare(new String[] {"--routing.score", "learnt"}))
                .isInstanceOf(JobPreflight.StartupException.class)
                .hasMessageContaining("routing.score")
                .hasMessageContaining("learned or one of [max_prob");
    }

    @Test
    void aMissingModelIsRefusedTheSameWay(@TempDir Path dir) {
        assertThatThrownBy(() -> JobPreflight.prepare(new String[] {"--model.dir", dir.toString()}))
                .isInstanceOf(JobPreflight.StartupException.class)
                .hasMessageContaining("not a model directory");
    }
}
