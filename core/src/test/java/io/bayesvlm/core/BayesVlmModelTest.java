package io.bayesvlm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.model.ModelFormatException;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TorchScript fixture through DJL's PyTorch engine (real libtorch, CPU), against PyTorch/NumPy references. */
class BayesVlmModelTest {

    private static final JsonNode EXPECTED = Fixture.expected().get("images");
    private static BayesVlmModel model;

    @BeforeAll
    static void load() throws IOException {
        model = BayesVlmModel.load(
                Fixture.model(),
                ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU).withBatchSize(4));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void activationsMatchPyTorch() throws Exception {
        for (Iterator<String> it = EXPECTED.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            float[] tensor = Fixture.floatArray(EXPECTED.get(name).get("tensor"));
            float[] act = model.activations(tensor, 1)[0];
            double[] ref = Fixture.doubles(EXPECTED.get(name).get("activation"));
            assertThat(act).hasSize(ref.length);
            for (int i = 0; i < act.length; i++) {
                assertThat((double) act[i]).as("%s activation %d", name, i).isCloseTo(ref[i], within(1e-5));
            }
        }
    }

    @Test
    void scoredFilesMatchTheNumpyReference() {
        List<String> names = new ArrayList<>();
        EXPECTED.fieldNames().forEachRemaining(names::add);
        List<ScoreResult> results =
                model.scoreFiles(names.stream().map(Fixture::image).toList());
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            JsonNode ref = EXPECTED.get(name);
            Prediction p = ((ScoreResult.Scored) results.get(i)).prediction();
            // The JPEG decodes a few grey levels differently from PIL; everything else has identical inputs.
            double tol = name.endsWith(".jpg") ? 0.05 : 1e-4;
            assertClose(name + " logits_mean", p.logitsMean(), Fixture.doubles(ref.get("logits_mean")), tol);
            assertClose(name + " logits_var", p.logitsVar(), Fixture.doubles(ref.get("logits_var")), tol);
            assertClose(name + " probs", p.probs(), Fixture.doubles(ref.get("probs")), tol);
            assertClose(name + " map_probs", p.mapProbs(), Fixture.doubles(ref.get("map_probs")), tol);
            JsonNode u = ref.get("uncertainty");
            for (UncertaintyScore s : UncertaintyScore.values()) {
                if (u.has(s.jsonName())) {
                    assertThat(p.uncertainty().get(s))
                            .as(name + " " + s)
                            .isCloseTo(
                                    u.get(s.jsonName()).asDouble(),
                                    within(tol
                                            * Math.max(
                                                    1,
                                                    Math.abs(u.get(s.jsonName()).asDouble()))));
                }
            }
            assertThat(model.spec().classIds().get(p.predicted()))
                    .isEqualTo(ref.get("prediction").asText());
        }
    }

    @Test
    void aBatchGivesTheSameNumbersAsSingleCalls() throws Exception {
        List<float[]> tensors = new ArrayList<>();
        for (String name :
                List.of("rgb0.png", "rgb1.png", "rgb2.png", "rgb3.png", "large.png", "grey.png", "rgba.png")) {
            tensors.add(model.loader().load(Fixture.image(name)));
        }
        List<Prediction> batched = model.scoreTensors(tensors); // batches of 4 and 3
        for (int i = 0; i < tensors.size(); i++) {
            Prediction single = model.scoreTensors(List.of(tensors.get(i))).get(0);
            Prediction b = batched.get(i);
            assertClose("mean " + i, b.logitsMean(), single.logitsMean(), 1e-5);
            assertClose("var " + i, b.logitsVar(), single.logitsVar(), 1e-5);
            assertClose("probs " + i, b.probs(), single.probs(), 1e-5);
            assertClose("map " + i, b.mapProbs(), single.mapProbs(), 1e-5);
            assertThat(b.uncertainty().mutualInfo())
                    .isCloseTo(single.uncertainty().mutualInfo(), within(1e-5));
        }
    }

    @Test
    void pixelsScoreExactlyAsTheirTensors() throws Exception {
        List<float[]> tensors = new ArrayList<>();
        List<byte[]> pixels = new ArrayList<>();
        for (String name : List.of("rgb0.png", "rgb1.png", "large.png", "grey.png", "rgba.png", "rgb0.jpg")) {
            byte[] encoded = Files.readAllBytes(Fixture.image(name));
            tensors.add(model.loader().load(Fixture.image(name)));
            pixels.add(model.loader().loadPixels(encoded));
        }
        List<Prediction> fromTensors = model.scoreTensors(tensors);
        List<Prediction> fromPixels = model.scorePixels(pixels);
        for (int i = 0; i < tensors.size(); i++) {
            assertThat(fromPixels.get(i).logitsMean())
                    .as("item %d", i)
                    .containsExactly(fromTensors.get(i).logitsMean());
            assertThat(fromPixels.get(i).probs())
                    .as("item %d", i)
                    .containsExactly(fromTensors.get(i).probs());
        }
    }

    @Test
    void badInputsAreRejectedInPlaceAndTheRestAreScored() throws IOException {
        byte[] good = Files.readAllBytes(Fixture.image("rgb1.png"));
        List<ScoreResult> r = model.scoreEncoded(List.of(
                good,
                new byte[0],
                "hello".getBytes(),
                java.util.Arrays.copyOf(good, 40),
                TestImages.pngHeader(60_000, 60_000),
                good));
        assertThat(r).hasSize(6);
        assertThat(r.get(0)).isInstanceOf(ScoreResult.Scored.class);
        assertThat(((ScoreResult.Rejected) r.get(1)).code()).isEqualTo(ErrorCode.EMPTY_INPUT);
        assertThat(((ScoreResult.Rejected) r.get(2)).code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(((ScoreResult.Rejected) r.get(3)).code()).isEqualTo(ErrorCode.CORRUPT_IMAGE);
        assertThat(((ScoreResult.Rejected) r.get(4)).code()).isEqualTo(ErrorCode.TOO_MANY_PIXELS);
        assertThat(((ScoreResult.Scored) r.get(5)).prediction().probs())
                .containsExactly(((ScoreResult.Scored) r.get(0)).prediction().probs());
    }

    @Test
    void encoderAndHeadDisagreeingOnDvFailsAtLoad(@TempDir Path dir) throws IOException {
        Files.copy(Fixture.model().resolve("model.json"), dir.resolve("model.json"));
        Files.copy(Fixture.model().resolve("image_encoder.pt"), dir.resolve("image_encoder.pt"));
        Map<String, NpyArray> head =
                new java.util.HashMap<>(Npz.read(Fixture.model().resolve("head.npz")));
        float[] projection = new float[60];
        java.util.Arrays.fill(projection, 0.1f);
        float[] identity = new float[100];
        for (int i = 0; i < 10; i++) {
            identity[i * 10 + i] = 1;
        }
        head.put(LaplaceHead.IMAGE_PROJECTION, NpyArray.matrix(6, 10, projection));
        head.put(LaplaceHead.IMAGE_A_INV, NpyArray.matrix(10, 10, identity));
        Npz.write(dir.resolve("head.npz"), head);
        assertThatThrownBy(() -> BayesVlmModel.load(dir, ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("outputs 12 activations but head.npz image_projection expects 10");
    }

    @Test
    void deviceSpecParsesAndChecksGpuIndex() {
        assertThat(DeviceSpec.parse("auto")).isEqualTo(DeviceSpec.AUTO);
        assertThat(DeviceSpec.parse("GPU:2")).isEqualTo(DeviceSpec.gpu(2));
        assertThat(DeviceSpec.parse("gpu")).isEqualTo(DeviceSpec.gpu(0));
        assertThatThrownBy(() -> DeviceSpec.parse("tpu")).hasMessageContaining("auto, cpu, gpu or gpu:<index>");
        assertThat(DeviceSpec.AUTO.resolve(0)).isEqualTo(ai.djl.Device.cpu());
        assertThat(DeviceSpec.AUTO.resolve(2)).isEqualTo(ai.djl.Device.gpu(0));
        assertThat(DeviceSpec.gpu(1).resolve(2)).isEqualTo(ai.djl.Device.gpu(1));
        assertThatThrownBy(() -> DeviceSpec.gpu(1).resolve(1)).hasMessageContaining("DJL sees 1 GPU");
    }

    private static void assertClose(String what, double[] actual, double[] expected, double tol) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i])
                    .as("%s[%d]", what, i)
                    .isCloseTo(expected[i], within(tol * Math.max(1, Math.abs(expected[i]))));
        }
    }
}
