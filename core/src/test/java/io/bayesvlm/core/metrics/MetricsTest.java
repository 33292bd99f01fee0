package io.bayesvlm.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

    /*
     * Six items, four classes, 5 bins of width 0.2 (label 0 = the argmax = correct, label 1 = wrong):
     *   bin [0.8, 1.0]: 0.95 correct, 0.90 wrong, 1.00 correct -> acc 2/3, conf 0.95, gap 0.28333
     *   bin [0.4, 0.6): 0.55 correct, 0.50 correct             -> acc 1,   conf 0.525, gap 0.475
     *   bin [0.2, 0.4): 0.30 wrong                              -> acc 0,   conf 0.3,   gap 0.3
     *   ECE = 3/6·0.28333 + 2/6·0.475 + 1/6·0.3 = 0.35; MCE = 0.475; accuracy 4/6
     */
    @Test
    void eceAndMceMatchHandWorkedExample() {
        List<double[]> p = List.of(
                new double[] {0.95, 0.05, 0, 0},
                new double[] {0.90, 0.10, 0, 0},
                new double[] {0.55, 0.45, 0, 0},
                new double[] {0.50, 0.30, 0.2, 0},
                new double[] {0.30, 0.25, 0.25, 0.2},
                new double[] {1.0, 0, 0, 0});
        int[] labels = {0, 1, 0, 0, 1, 0};
        Calibration.Report r = Calibration.evaluate(p, labels, 5);
        assertThat(r.ece()).isCloseTo(0.35, within(1e-12));
        assertThat(r.mce()).isCloseTo(0.475, within(1e-12));
        assertThat(r.accuracy()).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(r.bins().get(4).count()).isEqualTo(3); // 1.0 lands in the last bin
        assertThat(r.bins().get(0).count()).isZero();
        assertThat(r.bins().get(0).accuracy()).isNaN();
        // NLL = −(ln .95 + ln .10 + ln .55 + ln .50 + ln .25 + ln 1) / 6
        double nll = -(Math.log(.95) + Math.log(.10) + Math.log(.55) + Math.log(.5) + Math.log(.25)) / 6;
        assertThat(r.nll()).isCloseTo(nll, within(1e-12));
        // Brier: Σ_c (p_c − y_c)² per item, averaged
        double brier = (0.05 * 0.05 * 2
                        + (0.9 * 0.9 + 0.9 * 0.9)
                        + (0.45 * 0.45 * 2)
                        + (0.25 + 0.09 + 0.04)
                        + (0.09 + 0.75 * 0.75 + 0.0625 + 0.04)
                        + 0)
                / 6;
        assertThat(r.brier()).isCloseTo(brier, within(1e-12));
    }

    @Test
    void binEdgesAreHalfOpenWithOneInTheLastBin() {
        assertThat(Calibration.binOf(0.0, 15)).isZero();
        assertThat(Calibration.binOf(1.0 / 15, 15)).isEqualTo(1);
        assertThat(Calibration.binOf(Math.nextDown(1.0 / 15), 15)).isZero();
        assertThat(Calibration.binOf(1.0, 15)).isEqualTo(14);
    }

    @Test
    void adaptiveEceMatchesNaiveEqualMassBinning() {
        Random rng = new Random(4);
        int n = 1003;
        double[] conf = new double[n];
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) {
            conf[i] = 0.3 + 0.7 * rng.nextDouble();
            ok[i] = rng.nextDouble() < conf[i] * 0.9;
        }
        double[] sorted = conf.clone();
        java.util.Arrays.sort(sorted);
        // naive: for each bin, find members by rank
        double expected = 0;
        int bins = 10;
        for (int b = 0; b < bins; b++) {
            int from = b * n / bins;
            int to = (b + 1) * n / bins;
            double c = 0;
            double a = 0;
            for (int k = from; k < to; k++) {
                for (int i = 0; i < n; i++) {
                    if (conf[i] == sorted[k]) {
                        c += conf[i];
                        a += ok[i] ? 1 : 0;
                    }
                }
            }
            expected += Math.abs(a - c) / n;
        }
        assertThat(Calibration.adaptiveEce(conf, ok, bins)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void failurePredictionMatchesHandValues() {
        FailurePrediction.Result r =
                FailurePrediction.evaluate(new double[] {0.6, 0.9, 0.7, 0.8}, new boolean[] {false, true, true, false});
        assertThat(r.auroc()).isCloseTo(0.75, within(1e-12));
        assertThat(r.fprAt95Tpr()).isCloseTo(0.5, within(1e-12));
        assertThat(r.aurc()).isCloseTo((0 + 0.5 + 1.0 / 3 + 0.5) / 4, within(1e-12));

        FailurePrediction.Result tied =
                FailurePrediction.evaluate(new double[] {0.5, 0.5}, new boolean[] {true, false});
        assertThat(tied.auroc()).isCloseTo(0.5, within(1e-12));
        assertThat(tied.aurc()).isCloseTo((0.5 + 0.5) / 2, within(1e-12));
    }

    @Test
    void aurocMatchesPairCounting() {
        Random rng = new Random(8);
        int n = 400;
        double[] s = new double[n];
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.round(rng.nextDouble() * 50) / 50.0; // many ties
            ok[i] = rng.nextDouble() < s[i];
        }
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (ok[i] && !ok[j]) {
                    pairs++;
                    wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                }
            }
        }
        assertThat(FailurePrediction.evaluate(s, ok).auroc()).isCloseTo(wins / pairs, within(1e-12));
    }

    @Test
    void perfectlyCalibratedPredictionsHaveSmallEce() {
        Random rng = new Random(1);
        List<double[]> p = new ArrayList<>();
        int n = 200_000;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double c = 0.5 + 0.5 * rng.nextDouble();
            p.add(new double[] {c, 1 - c});
            labels[i] = rng.nextDouble() < c ? 0 : 1;
        }
        assertThat(Calibration.evaluate(p, labels, 15).ece()).isLessThan(0.01);
    }
}
