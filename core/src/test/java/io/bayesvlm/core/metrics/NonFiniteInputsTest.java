package io.bayesvlm.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.UncertaintyScore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every metric terminates on NaN and infinite inputs, leaves them out and says how many: on the finite rest it
 * gives exactly what it gives without them. (FailurePrediction used to loop forever on a NaN: NaN == NaN is false,
 * so its tie-grouping index never advanced.) Time limits are part of the assertions, not sleeps.
 */
class NonFiniteInputsTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @Test
    void failurePredictionSkipsNonFiniteScoresAndTerminates() {
        Random rng = new Random(7);
        int n = 500;
        double[] conf = new double[n];
        boolean[] correct = new boolean[n];
        List<Double> finiteConf = new ArrayList<>();
        List<Boolean> finiteCorrect = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < n; i++) {
            correct[i] = rng.nextBoolean();
            conf[i] = switch (i % 10) {
                case 0 -> Double.NaN;
                case 1 -> i % 20 == 1 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                default -> Math.round(rng.nextDouble() * 20) / 20.0; // many ties
            };
            if (Double.isFinite(conf[i])) {
                finiteConf.add(conf[i]);
                finiteCorrect.add(correct[i]);
            } else {
                bad++;
            }
        }
        FailurePrediction.Result r = assertTimeoutPreemptively(LIMIT, () -> FailurePrediction.evaluate(conf, correct));
        boolean[] fc = new boolean[finiteCorrect.size()];
        for (int i = 0; i < fc.length; i++) {
            fc[i] = finiteCorrect.get(i);
        }
        FailurePrediction.Result clean = FailurePrediction.evaluate(
                finiteConf.stream().mapToDouble(Double::doubleValue).toArray(), fc);
        assertThat(r.skipped()).isEqualTo(bad).isEqualTo(100);
        assertThat(r.auroc()).isEqualTo(clean.auroc());
        assertThat(r.aurc()).isEqualTo(clean.aurc());
        assertThat(r.fprAt95Tpr()).isEqualTo(clean.fprAt95Tpr());
        // all NaN: terminates, nothing to rank
        FailurePrediction.Result none = assertTimeoutPreemptively(
                LIMIT,
                () -> FailurePrediction.evaluate(new double[] {Double.NaN, Double.NaN}, new boolean[] {true, false}));
        assertThat(none.skipped()).isEqualTo(2);
        assertThat(none.auroc()).isNaN();
    }

    @Test
    void calibrationSkipsNonFiniteProbabilityVectors() {
        Random rng = new Random(8);
        List<double[]> all = new ArrayList<>();
        List<double[]> finite = new ArrayList<>();
        List<Integer> allLabels = new ArrayList<>();
        List<Integer> finiteLabels = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double a = rng.nextDouble();
            double[] p = {a, 1 - a};
            int y = rng.nextInt(2);
            if (i % 7 == 0) {
                p[i % 2] = i % 3 == 0 ? Double.NaN : Double.POSITIVE_INFINITY;
            } else {
                finite.add(p);
                finiteLabels.add(y);
            }
            all.add(p);
            allLabels.add(y);
        }
        Calibration.Report r = assertTimeoutPreemptively(
                LIMIT,
                () -> Calibration.evaluate(
                        all, allLabels.stream().mapToInt(Integer::intValue).toArray(), 10));
        Calibration.Report clean = Calibration.evaluate(
                finite, finiteLabels.stream().mapToInt(Integer::intValue).toArray(), 10);
        assertThat(r.skipped()).isEqualTo(all.size() - finite.size()).isPositive();
        assertThat(r.count()).isEqualTo(finite.size());
        assertThat(r.ece()).isEqualTo(clean.ece()).isFinite();
        assertThat(r.nll()).isEqualTo(clean.nll()).isFinite();
        assertThat(r.brier()).isEqualTo(clean.brier());
        assertThat(r.bins()).isEqualTo(clean.bins());
    }

    @Test
    void evaluationLeavesNonFinitePredictionsOutOfEveryMethodAndCountsThem() throws Exception {
        LaplaceHead head = io.bayesvlm.core.BayesVlmModel.loadHead(
                io.bayesvlm.core.model.ModelSpec.load(io.bayesvlm.core.Fixture.model()),
                io.bayesvlm.core.ScoringOptions.DEFAULTS);
        Random rng = new Random(9);
        int n = 120;
        float[][] act = new float[n][head.activationDim()];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < act[i].length; j++) {
                act[i][j] = (float) rng.nextGaussian();
            }
            if (i % 4 == 0) {
                act[i][i % act[i].length] = i % 8 == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
            }
            labels[i] = rng.nextInt(head.numClasses());
        }
        Predictive mc = new Predictive(Predictive.Mode.MC, 64, 1L, head.numClasses());
        Map<Evaluation.Method, Evaluation.MethodResult> r =
                assertTimeoutPreemptively(LIMIT, () -> Evaluation.run(head, mc, act, labels, 10));
        for (Evaluation.MethodResult m : r.values()) {
            assertThat(m.skippedNonFinite()).isEqualTo(30);
            assertThat(m.calibration().count()).isEqualTo(90);
            assertThat(m.calibration().ece()).isFinite();
            for (FailurePrediction.Result f : m.failure().values()) {
                assertThat(f.skipped()).isZero(); // already left out as a whole prediction
                assertThat(f.auroc()).isFinite();
            }
        }
        assertThat(r.get(Evaluation.Method.PROBIT).failure()).containsKey(UncertaintyScore.MUTUAL_INFO);
    }
}
