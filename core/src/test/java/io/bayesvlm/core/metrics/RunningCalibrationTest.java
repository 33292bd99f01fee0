package io.bayesvlm.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The running sums give the textbook figures, computed here directly from the items (no shared code). */
class RunningCalibrationTest {

    @Test
    void runningSumsMatchTheDefinitionsComputedFromAllItems() {
        SplittableRandom rng = new SplittableRandom(7);
        int n = 5000;
        int k = 4;
        int bins = 10;
        double[][] probs = new double[n][];
        int[] labels = new int[n];
        RunningCalibration running = new RunningCalibration(bins);
        for (int i = 0; i < n; i++) {
            double[] p = new double[k];
            double sum = 0;
            for (int c = 0; c < k; c++) {
                p[c] = Math.exp(3 * rng.nextGaussian());
                sum += p[c];
            }
            for (int c = 0; c < k; c++) {
                p[c] /= sum;
            }
            probs[i] = p;
            labels[i] = rng.nextInt(k);
            running.add(p, labels[i]);
        }
        running.add(new double[] {Double.NaN, 0.5, 0.25, 0.25}, 0); // left out, counted

        double[] count = new double[bins];
        double[] right = new double[bins];
        double[] conf = new double[bins];
        double nll = 0;
        double brier = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int top = 0;
            for (int c = 1; c < k; c++) {
                if (probs[i][c] > probs[i][top]) {
                    top = c;
                }
            }
            double q = probs[i][top];
            int b = Math.min((int) (q * bins), bins - 1);
            count[b]++;
            conf[b] += q;
            if (top == labels[i]) {
                right[b]++;
                correct++;
            }
            nll -= Math.log(probs[i][labels[i]]);
            for (int c = 0; c < k; c++) {
                double t = probs[i][c] - (c == labels[i] ? 1 : 0);
                brier += t * t;
            }
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                ece += count[b] / n * Math.abs(right[b] / count[b] - conf[b] / count[b]);
            }
        }

        assertThat(running.count()).isEqualTo(n);
        assertThat(running.skipped()).isEqualTo(1);
        assertThat(running.accuracy()).isCloseTo((double) correct / n, within(1e-12));
        assertThat(running.ece()).isCloseTo(ece, within(1e-12));
        assertThat(running.nll()).isCloseTo(nll / n, within(1e-9));
        assertThat(running.brier()).isCloseTo(brier / n, within(1e-9));
    }

    @Test
    void anEmptyStreamHasNoFigures() {
        RunningCalibration empty = new RunningCalibration(15);
        assertThat(empty.count()).isZero();
        assertThat(empty.ece()).isNaN();
        assertThat(empty.accuracy()).isNaN();
        assertThat(empty.nll()).isNaN();
    }
}
