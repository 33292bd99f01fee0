package io.bayesvlm.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Inverse-propensity weighting on a simulated stream with known truth, as the job labels it: every uncertain item
 * is reviewed (propensity 1), a 5% random audit covers the automatic ones. The model is overconfident (true accuracy
 * q² at confidence q). Tolerances come from the number of replications: a mean error more than 3 standard errors
 * from zero (standard error = sd / √200) is called biased; false alarm ≈ 0.3% per check for an unbiased estimator.
 */
class WeightedCalibrationTest {
    static final int REPLICATIONS = 200;
    static final int N = 4000;
    static final double AUDIT = 0.05;
    static final double REVIEW_BELOW = 0.6;

    record Stream(List<double[]> probs, int[] labels, double[] propensity, boolean[] labelled) {}

    static Stream simulate(SplittableRandom rng) {
        List<double[]> probs = new ArrayList<>(N);
        int[] labels = new int[N];
        double[] propensity = new double[N];
        boolean[] labelled = new boolean[N];
        for (int i = 0; i < N; i++) {
            double q = 1.0 / 3 + (2.0 / 3) * Math.pow(rng.nextDouble(), 0.5); // confidence in [1/3, 1), skewed high
            int top = rng.nextInt(3);
            double[] p = new double[3];
            for (int c = 0; c < 3; c++) {
                p[c] = c == top ? q : (1 - q) / 2;
            }
            boolean correct = rng.nextDouble() < q * q;
            labels[i] = correct ? top : (top + 1 + rng.nextInt(2)) % 3;
            propensity[i] = q < REVIEW_BELOW ? 1 : AUDIT;
            labelled[i] = rng.nextDouble() < propensity[i];
            probs.add(p);
        }
        return new Stream(probs, labels, propensity, labelled);
    }

    static <T> List<T> pick(List<T> all, boolean[] keep) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    static int[] pick(int[] all, boolean[] keep) {
        return java.util.stream.IntStream.range(0, all.length)
                .filter(i -> keep[i])
                .map(i -> all[i])
                .toArray();
    }

    static double[] pick(double[] all, boolean[] keep) {
        return java.util.stream.IntStream.range(0, all.length)
                .filter(i -> keep[i])
                .mapToDouble(i -> all[i])
                .toArray();
    }

    /** Mean and standard error of the mean. */
    record Summary(double mean, double se) {
        static Summary of(double[] x) {
            double m = java.util.Arrays.stream(x).average().orElseThrow();
            double v = java.util.Arrays.stream(x).map(d -> (d - m) * (d - m)).sum() / (x.length - 1);
            return new Summary(m, Math.sqrt(v / x.length));
        }

        boolean unbiased() {
            return Math.abs(mean) <= 3 * se;
        }
    }

    @Test
    void weightedEstimatesOfThePopulationAreUnbiasedWhereTheLabelledAverageIsNot() {
        SplittableRandom rng = new SplittableRandom(20261123);
        double[][] errHt = new double[3][REPLICATIONS];
        double[][] errHajek = new double[3][REPLICATIONS];
        double[][] errPlain = new double[3][REPLICATIONS];
        double[] eceErrWeighted = new double[REPLICATIONS];
        double[] eceErrPlain = new double[REPLICATIONS];
        int covered = 0;
        int coveredHajek = 0;
        double ess = 0;
        for (int r = 0; r < REPLICATIONS; r++) {
            Stream s = simulate(rng);
            Calibration.Report truth = Calibration.evaluate(s.probs(), s.labels(), 15); // every item labelled
            List<double[]> lp = pick(s.probs(), s.labelled());
            int[] ly = pick(s.labels(), s.labelled());
            double[] lpi = pick(s.propensity(), s.labelled());
            WeightedCalibration.Report ht = WeightedCalibration.evaluate(lp, ly, lpi, N, 15, 0, r);
            WeightedCalibration.Report hajek = WeightedCalibration.evaluate(lp, ly, lpi, 0, 15, 0, r);
            Calibration.Report plain = Calibration.evaluate(lp, ly, 15);
            double[] t = {truth.accuracy(), truth.nll(), truth.brier()};
            double[] h = {ht.accuracy().value(), ht.nll().value(), ht.brier().value()};
            double[] j = {
                hajek.accuracy().value(), hajek.nll().value(), hajek.brier().value()
            };
            double[] p = {plain.accuracy(), plain.nll(), plain.brier()};
            for (int m = 0; m < 3; m++) {
                errHt[m][r] = h[m] - t[m];
                errHajek[m][r] = j[m] - t[m];
                errPlain[m][r] = p[m] - t[m];
            }
            eceErrWeighted[r] = hajek.ece().value() - truth.ece();
            eceErrPlain[r] = plain.ece() - truth.ece();
            if (ht.accuracy().lower() <= truth.accuracy()
                    && truth.accuracy() <= ht.accuracy().upper()) {
                covered++;
            }
            if (hajek.accuracy().lower() <= truth.accuracy()
                    && truth.accuracy() <= hajek.accuracy().upper()) {
                coveredHajek++;
            }
            ess += ht.effectiveSampleSize() / REPLICATIONS;
        }
        String[] names = {"accuracy", "NLL", "Brier"};
        for (int m = 0; m < 3; m++) {
            Summary h = Summary.of(errHt[m]);
            Summary j = Summary.of(errHajek[m]);
            Summary p = Summary.of(errPlain[m]);
            System.out.printf(
                    "%s: HT bias %+.5f (SE %.5f), Hajek %+.5f (SE %.5f), labelled average %+.5f (SE %.5f)%n",
                    names[m], h.mean(), h.se(), j.mean(), j.se(), p.mean(), p.se());
            assertThat(h.unbiased()).as("Horvitz-Thompson %s: %s", names[m], h).isTrue();
            assertThat(j.unbiased()).as("Hajek %s: %s", names[m], j).isTrue();
            assertThat(p.unbiased()).as("labelled average %s: %s", names[m], p).isFalse();
        }
        // ECE is not a mean: its plug-in estimate is biased upward for any finite sample, weighted or not. The
        // weighted one targets the population; the labelled average measures mostly the reviewed items.
        Summary we = Summary.of(eceErrWeighted);
        Summary pe = Summary.of(eceErrPlain);
        System.out.printf(
                "ECE: weighted error %+.5f (SE %.5f), labelled average %+.5f (SE %.5f); mean ESS %.0f%n",
                we.mean(), we.se(), pe.mean(), pe.se(), ess);
        assertThat(Math.abs(we.mean())).isLessThan(Math.abs(pe.mean()));
        // 95% intervals: coverage within 3 binomial standard errors of 95% over 200 replications
        double floor = 0.95 - 3 * Math.sqrt(0.95 * 0.05 / REPLICATIONS);
        System.out.printf(
                "95%% interval coverage of the population accuracy: HT %.3f, Hajek %.3f%n",
                (double) covered / REPLICATIONS, (double) coveredHajek / REPLICATIONS);
        assertThat((double) covered / REPLICATIONS).isGreaterThanOrEqualTo(floor);
        assertThat((double) coveredHajek / REPLICATIONS).isGreaterThanOrEqualTo(floor);
    }

    @Test
    void withEqualPropensitiesItIsTheOrdinaryReport() {
        List<double[]> probs = List.of(
                new double[] {0.9, 0.1}, new double[] {0.3, 0.7}, new double[] {0.6, 0.4}, new double[] {0.2, 0.8});
        int[] y = {0, 0, 0, 1};
        WeightedCalibration.Report w =
                WeightedCalibration.evaluate(probs, y, new double[] {0.5, 0.5, 0.5, 0.5}, 0, 5, 50, 1);
        Calibration.Report c = Calibration.evaluate(probs, y, 5);
        assertThat(w.accuracy().value()).isEqualTo(c.accuracy());
        assertThat(w.nll().value()).isCloseTo(c.nll(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(w.brier().value()).isCloseTo(c.brier(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(w.ece().value()).isCloseTo(c.ece(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(w.effectiveSampleSize()).isCloseTo(4, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(w.population()).isEqualTo(8); // Σ 1/π
        assertThat(w.ece().lower()).isLessThanOrEqualTo(w.ece().value());
        assertThat(w.ece().upper()).isGreaterThanOrEqualTo(w.ece().lower());
    }
}
