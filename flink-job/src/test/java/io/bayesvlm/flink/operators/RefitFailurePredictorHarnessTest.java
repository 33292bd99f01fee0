package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.FailureSelection;
import io.bayesvlm.flink.records.LabelledFailure;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RefitFailurePredictorHarnessTest {
    static final Path MODEL = Path.of(RouteByUncertaintyHarnessTest.MODEL);

    /** Random labels of the built-in model's shapes; wrong when the first score (max_prob) is low. */
    static LabelledFailure label(SplittableRandom rng, String modelKey, int d) {
        double[] image = new double[d];
        image[rng.nextInt(d)] = 1;
        double[] mean = new double[10];
        double[] var = new double[10];
        for (int c = 0; c < 10; c++) {
            mean[c] = rng.nextDouble();
            var[c] = rng.nextDouble();
        }
        double maxProb = rng.nextDouble();
        double[] scores = {maxProb, 1 - maxProb, 0.1, 0.2, maxProb / 2, 1 - maxProb};
        FailureObservation o = FailureObservation.of(
                "e" + rng.nextInt(),
                modelKey,
                0L,
                "REVIEW",
                new FailureInput(image, rng.nextInt(10), mean, var, scores));
        return LabelledFailure.of(o, rng.nextDouble() > maxProb + 0.3, rng.nextBoolean() ? 1 : 20);
    }

    private static OneInputStreamOperatorTestHarness<LabelledFailure, FailureSelection> harness(
            OperatorSubtaskState restore) throws Exception {
        OneInputStreamOperatorTestHarness<LabelledFailure, FailureSelection> h =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new RefitFailurePredictor(MODEL.toString(), 60, 2, 0.05, 3)));
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    @Test
    void eachClosedWindowGivesASelectionAndARestartGoesOnWhereItWas() throws Exception {
        ModelSpec spec = ModelSpec.load(MODEL);
        String key = ModelSpec.key(spec.name(), spec.version());
        int d = BayesVlmModel.loadHead(spec, ScoringOptions.DEFAULTS).unitClassEmbeddings()[0].length;
        SplittableRandom rng = new SplittableRandom(3);
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            for (int i = 0; i < 150; i++) {
                h.processElement(new StreamRecord<>(label(rng, key, d), i));
            }
            h.processElement(new StreamRecord<>(label(rng, "another-model/0", d), 150)); // not this job's model
            List<FailureSelection> out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.labels).containsExactly(60L, 120L);
            assertThat(out.get(0).candidate)
                    .as("nothing trained before the first window")
                    .isZero();
            assertThat(out.get(0).score).isNotEqualTo("learned");
            assertThat(out.get(1).candidate).isEqualTo(1);
            assertThat(out.get(1).candidateVersion).matches("sha256:[0-9a-f]{16}");
            assertThat(out.get(1).reviewRate("learned")).isBetween(0.0, 1.0);
            assertThat(out.get(1).reviewRate("max_prob")).isBetween(0.0, 1.0);
            assertThat(out.get(1).judgedFrom).isEqualTo(60);
            assertThat(out.get(1).predictor == null).isEqualTo(!out.get(1).score.equals("learned"));
            snapshot = h.snapshot(1, 151);
        }
        try (var h = harness(snapshot)) {
            for (int i = 0; i < 90; i++) { // 30 more close the third window, 60 more the fourth
                h.processElement(new StreamRecord<>(label(rng, key, d), 200 + i));
            }
            List<FailureSelection> out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.labels).containsExactly(180L, 240L);
            assertThat(out).extracting(s -> s.candidate).containsExactly(2L, 3L);
            assertThat(out).extracting(s -> s.judgedFrom).containsExactly(120L, 180L);
        }
    }
}
