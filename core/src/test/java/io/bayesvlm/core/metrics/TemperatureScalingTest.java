package io.bayesvlm.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TemperatureScalingTest {

    /** Items whose true logits are z, shown to the model as 3 z (overconfident): the fitted T is close to 3. */
    @Test
    void recoversTheTemperatureThatGeneratedTheLabels() {
        Random rng = new Random(1);
        List<double[]> shown = new ArrayList<>();
        int n = 20_000;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double[] z = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
            double[] p = TemperatureScaling.apply(z, 1);
            double u = rng.nextDouble();
            int c = 0;
            for (double acc = p[0]; acc < u && c < 3; acc += p[++c]) {
                // draw the label from the true probabilities
            }
            y[i] = c;
            shown.add(new double[] {3 * z[0], 3 * z[1], 3 * z[2], 3 * z[3]});
        }
        double t = TemperatureScaling.fit(shown, y, null);
        // the MLE's sd at n = 20,000 is well below 0.1 here
        assertThat(t).isCloseTo(3, offset(0.15));
    }

    /** Against an independent brute-force minimisation of the weighted NLL over a fine grid of T. */
    @Test
    void minimisesTheWeightedNll() {
        Random rng = new Random(2);
        List<double[]> z = new ArrayList<>();
        int n = 300;
        int[] y = new int[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            double[] zi = {2 * rng.nextGaussian(), 2 * rng.nextGaussian(), 2 * rng.nextGaussian()};
            z.add(zi);
            double[] p = TemperatureScaling.apply(zi, 2); // labels from softmax(z / 2): a finite optimum
            double u = rng.nextDouble();
            y[i] = u < p[0] ? 0 : u < p[0] + p[1] ? 1 : 2;
            w[i] = rng.nextBoolean() ? 1 : 20; // propensities 1 and 0.05
        }
        double fitted = TemperatureScaling.fit(z, y, w);
        double best = Double.NaN;
        double bestNll = Double.POSITIVE_INFINITY;
        for (double t = 0.05; t <= 50; t *= 1.0005) {
            double v = TemperatureScaling.nll(z, y, w, 1 / t);
            if (v < bestNll) {
                bestNll = v;
                best = t;
            }
        }
        assertThat(fitted).isCloseTo(best, offset(best * 0.002));
        assertThat(TemperatureScaling.nll(z, y, w, 1 / fitted)).isLessThanOrEqualTo(bestNll + 1e-9);
        // ln p are logits of p: T = 1 gives p back
        double[] p = {0.2, 0.5, 0.3};
        assertThat(TemperatureScaling.apply(TemperatureScaling.logitsOf(p), 1))
                .containsExactly(new double[] {0.2, 0.5, 0.3}, offset(1e-12));
    }
}
