package io.bayesvlm.core.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Uncertainty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The offline study: what the predictor is trained on, what certifies, what tests, and its estimates. */
class FailureStudyTest {

    /** The synthetic task as the study takes it: predictions and inputs, and the true labels. */
    static FailureStudy.Shifted shifted(String name, FailurePredictorTest.Task t) {
        List<Prediction> p = new ArrayList<>();
        for (FailureInput in : t.inputs()) {
            double[] s = in.scores();
            p.add(new Prediction(
                    in.predicted(),
                    new double[0],
                    new double[0],
                    in.logitsMean(),
                    in.logitsVar(),
                    new Uncertainty(s[0], s[1], s[1] * 0.5, s[3], s[4], 1 - s[0])));
        }
        return new FailureStudy.Shifted(name, p, t.inputs());
    }

    static int[] labels(FailurePredictorTest.Task t) {
        int[] y = new int[t.inputs().size()];
        for (int i = 0; i < y.length; i++) {
            // the label: the prediction when right, another class when wrong
            int pred = t.inputs().get(i).predicted();
            y[i] = t.wrong()[i] ? (pred + 1) % FailurePredictorTest.K : pred;
        }
        return y;
    }

    @Test
    void theSplitsPartsAreDisjointAndCoverEveryImage() {
        FailureStudy.Split s = FailureStudy.Split.of(5000, new SplittableRandom(3));
        Set<Integer> all = new HashSet<>();
        all.addAll(s.train());
        all.addAll(s.certify());
        all.addAll(s.test());
        assertThat(all).hasSize(5000);
        assertThat(s.train().size() + s.certify().size() + s.test().size()).isEqualTo(5000);
        assertThat(Collections.disjoint(s.train(), s.certify())).isTrue();
        assertThat(Collections.disjoint(s.train(), s.test())).isTrue();
        // fair coins: about a quarter, a quarter and a half (4 binomial sd)
        assertThat(s.test().size()).isBetween(2500 - 142, 2500 + 142);
        assertThat(s.train().size()).isBetween(1250 - 123, 1250 + 123);
    }

    @Test
    void thePredictorIsNeverCertifiedOrTestedOnItemsItWasTrainedOn() {
        FailurePredictorTest.Task t = FailurePredictorTest.task(800, 5);
        FailureStudy.Shifted clean = shifted("none", t);
        List<List<FailureInput>> trainedOn = new ArrayList<>();
        FailureStudy.Trainer recording = (inputs, wrong, text, o) -> {
            trainedOn.add(List.copyOf(inputs));
            return FailureTraining.fit(inputs, wrong, text, o);
        };
        int splits = 3;
        FailureStudy.run(
                List.of(clean),
                labels(t),
                t.text(),
                FailurePredictorTest.quick(3),
                new double[] {0.05},
                0.05,
                splits,
                20,
                17,
                null,
                recording);
        assertThat(trainedOn).hasSize(splits);
        for (int split = 0; split < splits; split++) {
            FailureStudy.Split parts = FailureStudy.Split.of(800, new SplittableRandom(17 + split));
            Set<FailureInput> trained = Collections.newSetFromMap(new IdentityHashMap<>());
            trained.addAll(trainedOn.get(split));
            assertThat(trained).hasSize(parts.train().size());
            for (int i : parts.certify()) {
                assertThat(trained).doesNotContain(clean.inputs().get(i));
            }
            for (int i : parts.test()) {
                assertThat(trained).doesNotContain(clean.inputs().get(i));
            }
        }
    }

    @Test
    void withAPoolThePredictorLearnsOnlyThereAndTheWholeCalibrationHalfCertifies() {
        FailurePredictorTest.Task all = FailurePredictorTest.task(900, 5);
        FailurePredictorTest.Task t = all.slice(0, 600);
        FailurePredictorTest.Task elsewhere = all.slice(600, 900);
        FailureStudy.Pool pool = new FailureStudy.Pool(elsewhere.inputs(), elsewhere.wrong());
        List<List<FailureInput>> trainedOn = new ArrayList<>();
        FailureStudy.Trainer recording = (inputs, wrong, text, o) -> {
            trainedOn.add(inputs);
            return FailureTraining.fit(inputs, wrong, text, o);
        };
        FailureStudy.Result r = FailureStudy.run(
                List.of(shifted("none", t)),
                labels(t),
                t.text(),
                FailurePredictorTest.quick(3),
                new double[] {0.05},
                0.05,
                2,
                20,
                17,
                pool,
                recording);
        assertThat(trainedOn).hasSize(2).allSatisfy(in -> assertThat(in).isSameAs(pool.inputs()));
        FailureStudy.Split without = FailureStudy.Split.of(600, new SplittableRandom(17));
        FailureStudy.Split with = without.allCertifying();
        assertThat(with.test()).isEqualTo(without.test());
        assertThat(with.train()).isEmpty();
        assertThat(with.certify()).hasSize(600 - without.test().size());
        assertThat(r.trainItems()).isEqualTo(300);
    }

    @Test
    void itReportsEveryScoreWithFiniteIntervalsAroundItsEstimates() {
        FailurePredictorTest.Task t = FailurePredictorTest.task(1200, 6);
        FailureStudy.Result r = FailureStudy.run(
                List.of(shifted("none", t), shifted("blur", FailurePredictorTest.task(1200, 6))),
                labels(t),
                t.text(),
                FailurePredictorTest.quick(10),
                new double[] {0.02, 0.05},
                0.05,
                2,
                50,
                9,
                null);
        assertThat(r.auroc().get("none")).containsKeys("max_prob", "mutual_info", "learned");
        for (FailureStudy.Estimate e : r.aurocDifference().values()) {
            assertThat(e.lower()).isFinite().isLessThanOrEqualTo(e.upper());
        }
        for (FailureStudy.Estimate e : r.reviewDifference().values()) {
            assertThat(e.lower()).isFinite().isLessThanOrEqualTo(e.upper());
            assertThat(e.mean()).isBetween(e.lower() - 0.1, e.upper() + 0.1);
        }
        assertThat(r.reviewRate().get(0.05).get("learned")).isBetween(0.0, 1.0);
    }
}
