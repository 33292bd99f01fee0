package io.bayesvlm.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.ClassFolderImages;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.laplace.LaplaceFitter;
import io.bayesvlm.core.metrics.Evaluation;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed default model on the committed 2,000-image test sample: a regression guard, not a tuning set. */
class DefaultModelTest {

    private static BayesVlmModel model;
    private static LabelledImages sample;

    @BeforeAll
    static void load() throws IOException {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        model = BayesVlmModel.load(
                root.resolve("models/fashion-clip"),
                ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU).withBatchSize(200));
        sample = ClassFolderImages.load(
                root.resolve("models/fashion-mnist-sample"), model.spec().classIds(), ImageLimits.DEFAULTS);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void scoringWithAFailurePredictorGivesTheSamePredictionsAndItsProbabilityOfEach() throws Exception {
        java.util.List<byte[]> pixels = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i += 10) {
            pixels.add(model.loader().loadPixels(java.nio.file.Files.readAllBytes(Path.of(sample.name(i)))));
        }
        // a predictor on inputs the head computes for these images (what it learned does not matter here)
        float[] tensors = new float[pixels.size() * model.loader().tensorSize()];
        for (int i = 0; i < pixels.size(); i++) {
            model.loader().normalise(pixels.get(i), tensors, i * model.loader().tensorSize());
        }
        float[][] act = model.activations(tensors, pixels.size());
        java.util.List<io.bayesvlm.core.failure.FailureInput> inputs = new java.util.ArrayList<>();
        boolean[] wrong = new boolean[act.length];
        for (int i = 0; i < act.length; i++) {
            inputs.add(io.bayesvlm.core.failure.FailureInput.of(
                    model.head().embedImage(act[i]), model.head().predict(act[i])));
            wrong[i] = i % 3 == 0;
        }
        io.bayesvlm.core.failure.FailurePredictor predictor = io.bayesvlm.core.failure.FailureTraining.fit(
                inputs,
                wrong,
                model.head().unitClassEmbeddings(),
                io.bayesvlm.core.failure.FailureTraining.Options.DEFAULTS.withEpochs(2));

        BayesVlmModel.WithFailure w = model.scorePixels(pixels, predictor);
        java.util.List<io.bayesvlm.core.head.Prediction> plain = model.scorePixels(pixels);
        assertThat(w.predictions()).hasSize(plain.size());
        for (int i = 0; i < plain.size(); i++) {
            assertThat(w.predictions().get(i).probs())
                    .containsExactly(plain.get(i).probs());
            assertThat(w.failureProbability()[i])
                    .isCloseTo(predictor.failureProbability(inputs.get(i)), org.assertj.core.data.Offset.offset(1e-9))
                    .isBetween(0.0, 1.0);
        }
        assertThat(predictor.version()).matches("sha256:[0-9a-f]{16}").isEqualTo(predictor.version());
    }

    @Test
    void isFittedAndRecordsItsFit() throws IOException {
        Map<String, NpyArray> head = Npz.read(model.spec().file("head"));
        assertThat(head.get(LaplaceFitter.NUM_PAIRS).data()[0]).isEqualTo(55_000f);
        assertThat(head.get(LaplaceFitter.IMAGE_PRIOR).data()[0]).isPositive();
        assertThat(model.spec().classIds()).hasSize(10).startsWith("t-shirt", "trouser");
        assertThat(model.spec().hasFile("text_encoder")).isTrue();
        assertThat(sample.size()).isEqualTo(2000);
    }

    @Test
    void accurateOnCleanImagesAndBetterCalibratedThanMapUnderNoise() {
        Predictive mc = new Predictive(Predictive.Mode.MC, 64, 0, 10);
        Activations.Result clean = Activations.all(model, sample, ImageShift.NONE, 1, 0, Activations.Progress.NONE);
        var r = Evaluation.run(model.head(), mc, clean.activations(), clean.labels(), 15);
        assertThat(r.get(Evaluation.Method.MAP).calibration().accuracy()).isGreaterThan(0.85);
        assertThat(r.get(Evaluation.Method.PROBIT).calibration().accuracy()).isGreaterThan(0.85);

        Activations.Result noisy = Activations.all(model, sample, ImageShift.NOISE, 3, 0, Activations.Progress.NONE);
        var n = Evaluation.run(model.head(), mc, noisy.activations(), noisy.labels(), 15);
        assertThat(n.get(Evaluation.Method.PROBIT).calibration().ece())
                .isLessThan(n.get(Evaluation.Method.MAP).calibration().ece());
        assertThat(n.get(Evaluation.Method.PROBIT).calibration().nll())
                .isLessThan(n.get(Evaluation.Method.MAP).calibration().nll());
    }
}
