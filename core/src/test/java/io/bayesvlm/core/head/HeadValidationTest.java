package io.bayesvlm.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.RandomHeads;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.model.ModelFormatException;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damaged copies of the fixture model are refused at load with a message naming the file and the array; valid
 * heads (random ones of many shapes, the built-in model, the fixture, a ViT-B/32-sized head with the BayesVLM
 * authors' factors) are all accepted.
 */
class HeadValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A copy of the fixture model with head.npz edited, loaded as score/evaluate/the job load it. */
    private Path damaged(Consumer<Map<String, NpyArray>> edit) throws IOException {
        for (String f : new String[] {"model.json", "image_encoder.pt"}) {
            Files.copy(Fixture.model().resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, NpyArray> head = new HashMap<>();
        Npz.read(Fixture.model().resolve("head.npz"))
                .forEach((k, v) -> head.put(k, new NpyArray(v.shape(), v.data().clone())));
        edit.accept(head);
        Npz.write(dir.resolve("head.npz"), head);
        return dir;
    }

    private static void loadHead(Path model) throws IOException {
        BayesVlmModel.loadHead(ModelSpec.load(model), ScoringOptions.DEFAULTS);
    }

    private static void set(Map<String, NpyArray> head, String array, int row, int col, float value) {
        NpyArray a = head.get(array);
        a.data()[row * a.cols() + col] = value;
    }

    static Stream<Arguments> damages() {
        return Stream.of(
                Arguments.of(
                        "NaN in image_projection",
                        (Consumer<Map<String, NpyArray>>) h -> set(h, "image_projection", 1, 2, Float.NaN),
                        "array 'image_projection' has a non-finite value (NaN) at [1, 2]"),
                Arguments.of(
                        "Inf in image_A_inv",
                        (Consumer<Map<String, NpyArray>>) h -> set(h, "image_A_inv", 0, 0, Float.POSITIVE_INFINITY),
                        "array 'image_A_inv' has a non-finite value (Infinity) at [0, 0]"),
                Arguments.of(
                        "NaN in class_text_activations",
                        (Consumer<Map<String, NpyArray>>) h -> set(h, "class_text_activations", 3, 0, Float.NaN),
                        "array 'class_text_activations' has a non-finite value (NaN) at [3, 0]"),
                Arguments.of(
                        "NaN on text_B_inv's diagonal",
                        (Consumer<Map<String, NpyArray>>) h -> set(h, "text_B_inv", 2, 2, Float.NaN),
                        "array 'text_B_inv' has a non-finite value (NaN) at [2, 2]"),
                Arguments.of(
                        "NaN off image_B_inv's diagonal",
                        (Consumer<Map<String, NpyArray>>) h -> set(h, "image_B_inv", 0, 1, Float.NaN),
                        "array 'image_B_inv' has a non-finite value (NaN) at [0, 1]"),
                Arguments.of(
                        "image_A_inv not PSD",
                        (Consumer<Map<String, NpyArray>>) h -> {
                            NpyArray a = h.get("image_A_inv");
                            for (int i = 0; i < a.rows(); i++) {
                                a.data()[i * a.cols() + i] -= 2 * maxAbs(a); // shifts every eigenvalue well below zero
                            }
                        },
                        "array 'image_A_inv' is not positive semi-definite"),
                Arguments.of(
                        "negative text_B_inv diagonal entry",
                        (Consumer<Map<String, NpyArray>>) h -> set(h, "text_B_inv", 1, 1, -0.5f),
                        "array 'text_B_inv' is not positive semi-definite"),
                Arguments.of(
                        "image_A_inv not symmetric",
                        (Consumer<Map<String, NpyArray>>) h -> set(
                                h, "image_A_inv", 0, 3, h.get("image_A_inv").get(0, 3) + maxAbs(h.get("image_A_inv"))),
                        "array 'image_A_inv' is not symmetric"),
                Arguments.of(
                        "all-zero image projection",
                        (Consumer<Map<String, NpyArray>>) h ->
                                java.util.Arrays.fill(h.get("image_projection").data(), 0f),
                        "array 'image_projection' is all zeros"),
                Arguments.of(
                        "all-zero text projection",
                        (Consumer<Map<String, NpyArray>>) h ->
                                java.util.Arrays.fill(h.get("text_projection").data(), 0f),
                        "array 'text_projection' is all zeros"),
                Arguments.of(
                        "a class whose text embedding is zero",
                        (Consumer<Map<String, NpyArray>>) h -> {
                            NpyArray a = h.get("class_text_activations");
                            java.util.Arrays.fill(a.data(), a.cols(), 2 * a.cols(), 0f);
                        },
                        "array 'class_text_activations' row 1 projects to a zero text embedding"));
    }

    private static float maxAbs(NpyArray a) {
        float m = 0;
        for (float v : a.data()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void aDamagedHeadIsRefusedAtLoadNamingFileAndArray(
            String what, Consumer<Map<String, NpyArray>> edit, String message) throws IOException {
        Path model = damaged(edit);
        assertThatThrownBy(() -> loadHead(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(model.resolve("head.npz").toString())
                .hasMessageContaining(message);
        // The full model load (score, evaluate, the job's subtasks) goes through the same check.
        assertThatThrownBy(() -> BayesVlmModel.load(model, ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(message);
    }

    private Path withModelJson(Consumer<ObjectNode> edit) throws IOException {
        damaged(h -> {});
        ObjectNode json = (ObjectNode) JSON.readTree(dir.resolve("model.json").toFile());
        edit.accept(json);
        JSON.writeValue(dir.resolve("model.json").toFile(), json);
        return dir;
    }

    @Test
    void aLogitScaleThatLooksLikeItsLogIsRefusedUnlessMarkedIntentional() throws IOException {
        Path model = withModelJson(j -> j.put("logit_scale", 4.6));
        assertThatThrownBy(() -> ModelSpec.load(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model.json")
                .hasMessageContaining("logit_scale is 4.6, below 5.0")
                .hasMessageContaining(ModelSpec.SMALL_LOGIT_SCALE_KEY);
        withModelJson(j -> {});
        Path intended = withModelJson(j -> j.put("logit_scale", 4.6).put(ModelSpec.SMALL_LOGIT_SCALE_KEY, true));
        assertThat(ModelSpec.load(intended).logitScale()).isEqualTo(4.6);
    }

    @Test
    void aSingleClassModelIsRefused() throws IOException {
        Path model = withModelJson(j -> ((com.fasterxml.jackson.databind.node.ArrayNode) j.get("classes")).remove(1));
        // (three classes left: still a classifier)
        assertThatCode(() -> ModelSpec.load(model)).doesNotThrowAnyException();
        Path one = withModelJson(j -> {
            var classes = (com.fasterxml.jackson.databind.node.ArrayNode) j.get("classes");
            while (classes.size() > 1) {
                classes.remove(1);
            }
        });
        assertThatThrownBy(() -> ModelSpec.load(one)).hasMessageContaining("at least 2");
    }

    // ---- no false refusals ----

    @Test
    void everyRandomValidHeadIsAccepted() {
        Random rng = new Random(20261123);
        for (int trial = 0; trial < 60; trial++) {
            int d = 2 + rng.nextInt(24);
            int dv = 2 + rng.nextInt(40);
            int dt = 2 + rng.nextInt(40);
            int k = 2 + rng.nextInt(30);
            double scale = Math.pow(10, -6 + 8 * rng.nextDouble()); // 1e-6 .. 1e2
            Map<String, NpyArray> h = RandomHeads.head(rng, d, dv, dt, k, scale);
            if (trial % 3 == 0) {
                // singular but positive semi-definite factors (rank below the size, no ridge), as fitting gives
                h.put(LaplaceHead.TEXT_A_INV, lowRank(rng, dt, 1 + rng.nextInt(dt), scale));
                h.put(LaplaceHead.IMAGE_B_INV, lowRank(rng, d, 1 + rng.nextInt(d), scale));
            }
            int trialNo = trial;
            assertThatCode(() -> new LaplaceHead(
                            h, 1 + 99 * rng.nextDouble(), k, new Predictive(Predictive.Mode.PROBIT, 8, 1L, k)))
                    .as("trial %d: d=%d dv=%d dt=%d k=%d scale=%g", trialNo, d, dv, dt, k, scale)
                    .doesNotThrowAnyException();
        }
    }

    /** scale · M Mᵀ / r with M n × r: positive semi-definite of rank r. */
    private static NpyArray lowRank(Random rng, int n, int r, double scale) {
        double[][] m = new double[n][r];
        for (double[] row : m) {
            for (int j = 0; j < r; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int t = 0; t < r; t++) {
                    s += m[i][t] * m[j][t];
                }
                out[i * n + j] = out[j * n + i] = (float) (scale * s / r);
            }
        }
        return NpyArray.matrix(n, n, out);
    }

    @Test
    void theBuiltInModelAndTheFixtureAreAccepted() throws IOException {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        assertThatCode(() -> loadHead(root.resolve("models/fashion-clip"))).doesNotThrowAnyException();
        assertThatCode(() -> loadHead(Fixture.model())).doesNotThrowAnyException();
    }

    /**
     * A ViT-B/32-sized head (Dv = 768, D = 512, K = 1000) with the BayesVLM authors' KFAC factors, turned into
     * posterior factors as the reference does (inverse(√n A + √λ I), symmetrised, float32). Needs the shared data
     * folder (../shared/data/bayesvlm-clip-vit-b-32-kfac, or -Dbayesvlm.kfac.dir); skipped where it is absent.
     */
    @Test
    void aVitB32HeadWithTheAuthorsFactorsIsAccepted() throws IOException {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        Path kfac = Path.of(System.getProperty(
                "bayesvlm.kfac.dir",
                root.resolveSibling("shared/data/bayesvlm-clip-vit-b-32-kfac").toString()));
        Assumptions.assumeTrue(Files.isDirectory(kfac), "no KFAC factors at " + kfac);
        var prior = JSON.readTree(kfac.resolve("prior_precision.json").toFile());
        Random rng = new Random(32);
        Map<String, NpyArray> h = new HashMap<>();
        h.put(LaplaceHead.IMAGE_PROJECTION, RandomHeads.gaussian(rng, 512, 768));
        h.put(LaplaceHead.TEXT_PROJECTION, RandomHeads.gaussian(rng, 512, 512));
        h.put(LaplaceHead.CLASS_TEXT_ACTIVATIONS, RandomHeads.gaussian(rng, 1000, 512));
        h.put(
                LaplaceHead.IMAGE_A_INV,
                posterior(
                        Npz.readNpy(kfac.resolve("A_img.npy")),
                        prior.get("n_img").asDouble(),
                        prior.get("lambda_img").asDouble()));
        h.put(
                LaplaceHead.IMAGE_B_INV,
                posterior(
                        Npz.readNpy(kfac.resolve("B_img.npy")),
                        prior.get("n_img").asDouble(),
                        prior.get("lambda_img").asDouble()));
        h.put(
                LaplaceHead.TEXT_A_INV,
                posterior(
                        Npz.readNpy(kfac.resolve("A_txt.npy")),
                        prior.get("n_txt").asDouble(),
                        prior.get("lambda_txt").asDouble()));
        h.put(
                LaplaceHead.TEXT_B_INV,
                posterior(
                        Npz.readNpy(kfac.resolve("B_txt.npy")),
                        prior.get("n_txt").asDouble(),
                        prior.get("lambda_txt").asDouble()));
        assertThatCode(() -> new LaplaceHead(h, 100, 1000, new Predictive(Predictive.Mode.PROBIT, 8, 1L, 1000)))
                .doesNotThrowAnyException();
    }

    /** inverse(√n A + √λ I) by Cholesky, symmetrised, as float32. */
    private static NpyArray posterior(NpyArray raw, double n, double lambda) {
        int m = raw.rows();
        double[] a = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                a[i * m + j] = Math.sqrt(n) * 0.5 * (raw.get(i, j) + raw.get(j, i)) + (i == j ? Math.sqrt(lambda) : 0);
            }
        }
        double[] l = new double[m * m]; // lower Cholesky factor
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * m + j];
                for (int k = 0; k < j; k++) {
                    s -= l[i * m + k] * l[j * m + k];
                }
                l[i * m + j] = i == j ? Math.sqrt(s) : s / l[j * m + j];
            }
        }
        double[] inv = new double[m * m]; // column by column: solve L Lᵀ x = e_c
        double[] y = new double[m];
        for (int c = 0; c < m; c++) {
            for (int i = 0; i < m; i++) {
                double s = i == c ? 1 : 0;
                for (int k = 0; k < i; k++) {
                    s -= l[i * m + k] * y[k];
                }
                y[i] = s / l[i * m + i];
            }
            for (int i = m - 1; i >= 0; i--) {
                double s = y[i];
                for (int k = i + 1; k < m; k++) {
                    s -= l[k * m + i] * inv[k * m + c];
                }
                inv[i * m + c] = s / l[i * m + i];
            }
        }
        float[] out = new float[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                out[i * m + j] = (float) (0.5 * (inv[i * m + j] + inv[j * m + i]));
            }
        }
        return NpyArray.matrix(m, m, out);
    }
}
