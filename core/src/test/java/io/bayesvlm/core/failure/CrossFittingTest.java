package io.bayesvlm.core.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CrossFittingTest {

    /** Brute force, written apart from the implementation: every threshold, the automatic set, its error. */
    static double reviewRateByEveryThreshold(double[] conf, boolean[] wrong, double[] weight, double alpha) {
        double total = 0;
        for (double w : weight) {
            total += w;
        }
        double best = 1; // nothing automatic always qualifies
        List<Double> thresholds = new ArrayList<>();
        for (double c : conf) {
            thresholds.add(c);
        }
        for (double t : thresholds) {
            double auto = 0;
            double errors = 0;
            for (int i = 0; i < conf.length; i++) {
                if (conf[i] >= t) {
                    auto += weight[i];
                    errors += wrong[i] ? weight[i] : 0;
                }
            }
            if (errors <= alpha * auto) {
                best = Math.min(best, 1 - auto / total);
            }
        }
        return best;
    }

    @Test
    void theReviewRateIsTheLowestOverEveryThresholdWithTiesAndWeights() {
        SplittableRandom rng = new SplittableRandom(4);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rng.nextInt(60);
            double[] conf = new double[n];
            boolean[] wrong = new boolean[n];
            double[] weight = new double[n];
            for (int i = 0; i < n; i++) {
                conf[i] = rng.nextInt(8) / 8.0; // many ties
                wrong[i] = rng.nextDouble() < 0.6 - 0.5 * conf[i];
                weight[i] = rng.nextBoolean() ? 1 : 1 + rng.nextInt(20);
            }
            double alpha = 0.02 + 0.2 * rng.nextDouble();
            assertThat(CrossFitting.reviewRate(conf, wrong, weight, alpha))
                    .as("trial %d", trial)
                    .isCloseTo(
                            reviewRateByEveryThreshold(conf, wrong, weight, alpha),
                            org.assertj.core.data.Offset.offset(1e-12));
        }
        // all right: nothing to review; all wrong: everything
        assertThat(CrossFitting.reviewRate(new double[] {0.9, 0.1}, new boolean[2], new double[] {1, 1}, 0.05))
                .isZero();
        assertThat(CrossFitting.reviewRate(
                        new double[] {0.9, 0.1}, new boolean[] {true, true}, new double[] {1, 1}, 0.05))
                .isEqualTo(1.0);
        // an audited item stands for 20: its error outweighs 10 right reviews above it
        assertThat(CrossFitting.reviewRate(
                        new double[] {0.9, 0.8}, new boolean[] {false, true}, new double[] {10, 20}, 0.05))
                .isCloseTo(20.0 / 30, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void weightedDrawsFollowTheWeights() {
        FailureInput x = FailurePredictorTest.task(1, 1).inputs().get(0);
        List<CrossFitting.Label> labels = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            labels.add(new CrossFitting.Label(x, false, i % 2 == 0 ? 1 : 3)); // odd ones weigh three times as much
        }
        int[] draw = CrossFitting.weightedDraw(labels, new SplittableRandom(2));
        int odd = 0;
        for (int i : draw) {
            odd += i % 2;
        }
        // expected 3/4 of 2000 = 1500, binomial sd = sqrt(2000 * 0.75 * 0.25) = 19.4; 4 sd
        assertThat(odd).isBetween(1500 - 78, 1500 + 78);
        // equal weights: every label once, in order
        List<CrossFitting.Label> equal = labels.stream()
                .map(l -> new CrossFitting.Label(x, l.wrong(), 2))
                .toList();
        int[] once = CrossFitting.weightedDraw(equal, new SplittableRandom(2));
        for (int i = 0; i < once.length; i++) {
            assertThat(once[i]).isEqualTo(i);
        }
    }

    @Test
    void noPredictorIsEverJudgedOnALabelItWasTrainedOn() {
        FailurePredictorTest.Task t = FailurePredictorTest.task(1500, 21);
        Map<Long, Set<FailureInput>> trainedOn = new java.util.HashMap<>();
        long[] fits = {0};
        FailureStudy.Trainer recording = (inputs, wrong, text, o) -> {
            Set<FailureInput> s = Collections.newSetFromMap(new IdentityHashMap<>());
            s.addAll(inputs);
            trainedOn.put(++fits[0], s);
            return FailureTraining.fit(inputs, wrong, text, o);
        };
        CrossFitting cf = new CrossFitting(
                t.text(), new CrossFitting.Options(200, 3, 0.05, 5, FailurePredictorTest.quick(2)), recording);
        List<CrossFitting.Selection> selections = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            cf.add(new CrossFitting.Label(t.inputs().get(i), t.wrong()[i], 1)).ifPresent(selections::add);
        }
        assertThat(selections).hasSize(7); // 1500 / 200
        assertThat(selections.get(0).candidateVersion())
                .as("nothing trained before the first window")
                .isZero();
        assertThat(selections.get(0).score()).isNotEqualTo(FailureStudy.LEARNED);
        assertThat(fits[0]).isEqualTo(7);
        for (CrossFitting.Selection s : selections.subList(1, selections.size())) {
            assertThat(s.candidateVersion()).isPositive();
            assertThat(s.candidateTrainedTo()).isLessThanOrEqualTo(s.judgedFrom());
            Set<FailureInput> trained = trainedOn.get(s.candidateVersion());
            for (long i = s.judgedFrom(); i < s.judgedTo(); i++) {
                assertThat(trained).doesNotContain(t.inputs().get((int) i));
            }
            // trained on the three windows before the judged one at most, nothing older
            assertThat(s.judgedFrom() - s.candidateTrainedFrom()).isLessThanOrEqualTo(600);
            assertThat(s.heldOutReviewRate()).containsKeys("max_prob", "mutual_info", FailureStudy.LEARNED);
        }
    }

    @Test
    void theLearnedScoreIsChosenOnceItBeatsTheFixedOnesOnLabelsItNeverSaw() {
        // failures that depend on a class confusion the fixed scores cannot see (FailurePredictorTest's task)
        FailurePredictorTest.Task t = FailurePredictorTest.task(6000, 3);
        double base = 0;
        for (boolean w : t.wrong()) {
            base += w ? 1 : 0;
        }
        double alpha = 0.5 * base / t.wrong().length;
        CrossFitting cf = new CrossFitting(
                t.text(), new CrossFitting.Options(1000, 3, alpha, 20, FailurePredictorTest.quick(15)));
        List<CrossFitting.Selection> selections = new ArrayList<>();
        for (int i = 0; i < t.inputs().size(); i++) {
            Optional<CrossFitting.Selection> s =
                    cf.add(new CrossFitting.Label(t.inputs().get(i), t.wrong()[i], 1));
            s.ifPresent(selections::add);
        }
        CrossFitting.Selection last = selections.get(selections.size() - 1);
        assertThat(last.score()).as(last.heldOutReviewRate().toString()).isEqualTo(FailureStudy.LEARNED);
        assertThat(last.version()).isEqualTo(last.candidateVersion()).isPositive();
        assertThat(last.predictor()).isNotNull();
        double learned = last.heldOutReviewRate().get(FailureStudy.LEARNED);
        last.heldOutReviewRate().forEach((score, rate) -> {
            if (!score.equals(FailureStudy.LEARNED)) {
                assertThat(learned).as(score).isLessThan(rate);
            }
        });
    }

    @Test
    void restoredFromItsStateItGoesOnAsIfNeverStopped() throws Exception {
        FailurePredictorTest.Task t = FailurePredictorTest.task(1300, 8);
        CrossFitting.Options o = new CrossFitting.Options(200, 2, 0.05, 5, FailurePredictorTest.quick(2));
        // the same trainer output for both runs: the engine's training is not bit-reproducible, the state must be
        Map<Integer, FailurePredictor> trained = new java.util.HashMap<>();
        FailureStudy.Trainer memo = (inputs, wrong, text, opts) -> trained.computeIfAbsent(
                inputs.size() * 31 + (int) opts.seed(), k -> FailureTraining.fit(inputs, wrong, text, opts));
        CrossFitting straight = new CrossFitting(t.text(), o, memo);
        CrossFitting stopped = new CrossFitting(t.text(), o, memo);
        List<CrossFitting.Selection> a = new ArrayList<>();
        List<CrossFitting.Selection> b = new ArrayList<>();
        for (int i = 0; i < 1300; i++) {
            CrossFitting.Label l = new CrossFitting.Label(t.inputs().get(i), t.wrong()[i], 1 + (i % 3));
            straight.add(l).ifPresent(a::add);
            stopped.add(l).ifPresent(b::add);
            if (i == 650 || i == 999) { // mid-window, and right as a window closes
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                stopped.write(new java.io.DataOutputStream(bytes));
                stopped = CrossFitting.read(
                        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())),
                        t.text(),
                        o,
                        memo);
            }
        }
        assertThat(stopped.labels()).isEqualTo(1300);
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).score()).isEqualTo(a.get(i).score());
            assertThat(b.get(i).candidateVersion()).isEqualTo(a.get(i).candidateVersion());
            assertThat(b.get(i).heldOutReviewRate()).isEqualTo(a.get(i).heldOutReviewRate());
            assertThat(b.get(i).judgedFrom()).isEqualTo(a.get(i).judgedFrom());
        }
        assertThatThrownBy(() -> CrossFitting.read(
                        new java.io.DataInputStream(new java.io.ByteArrayInputStream(new byte[] {0, 0, 0, 9})),
                        t.text(),
                        o,
                        memo))
                .hasMessageContaining("format 9");
    }

    @Test
    void aTrainingThatFailsKeepsThePreviousCandidateAndTheStreamGoesOn() {
        FailurePredictorTest.Task t = FailurePredictorTest.task(800, 12);
        int[] calls = {0};
        FailureStudy.Trainer failsSecondTime = (inputs, wrong, text, o) -> {
            if (++calls[0] == 2) {
                throw new IllegalStateException("more than half the batches had non-finite gradients");
            }
            return FailureTraining.fit(inputs, wrong, text, o);
        };
        CrossFitting cf = new CrossFitting(
                t.text(), new CrossFitting.Options(200, 2, 0.05, 5, FailurePredictorTest.quick(2)), failsSecondTime);
        List<CrossFitting.Selection> selections = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            cf.add(new CrossFitting.Label(t.inputs().get(i), t.wrong()[i], 1)).ifPresent(selections::add);
        }
        assertThat(cf.trainingFailures()).isEqualTo(1);
        assertThat(cf.lastTrainingFailure()).contains("non-finite");
        // window 3 is judged by version 1 again (version 2's training failed), still on labels it never saw
        assertThat(selections)
                .extracting(CrossFitting.Selection::candidateVersion)
                .containsExactly(0L, 1L, 1L, 2L);
        assertThat(selections.get(2).candidateTrainedTo())
                .isLessThanOrEqualTo(selections.get(2).judgedFrom());
    }

    @Test
    void badOptionsAndWeightsAreRefused() {
        FailureTraining.Options o = FailurePredictorTest.quick(1);
        assertThatThrownBy(() -> new CrossFitting.Options(5, 3, 0.05, 5, o)).hasMessageContaining("windowLabels");
        assertThatThrownBy(() -> new CrossFitting.Options(100, 0, 0.05, 5, o)).hasMessageContaining("trainingWindows");
        assertThatThrownBy(() -> new CrossFitting.Options(100, 3, 1.5, 5, o)).hasMessageContaining("alpha");
        FailureInput x = FailurePredictorTest.task(1, 1).inputs().get(0);
        assertThatThrownBy(() -> new CrossFitting.Label(x, false, 0.5)).hasMessageContaining("propensity");
        assertThatThrownBy(() -> new CrossFitting.Label(x, false, Double.NaN)).hasMessageContaining("propensity");
    }
}
