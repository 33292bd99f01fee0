package io.bayesvlm.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PredictiveTest {

    @Test
    void softmaxIsStableForLargeLogits() {
        double[] p = Predictive.softmax(new double[] {1000, 1000 + Math.log(3)});
        assertThat(p[0]).isCloseTo(0.25, within(1e-12));
        assertThat(p[1]).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void probitMatchesFormula() {
        double[] mu = {2.0, -1.0, 0.5};
        double[] v = {4.0, 0.0, 1.0};
        double[] z = {2.0 / Math.sqrt(1 + Math.PI * 4 / 8), -1.0, 0.5 / Math.sqrt(1 + Math.PI / 8)};
        double norm = Math.exp(z[0]) + Math.exp(z[1]) + Math.exp(z[2]);
        double[] p = Predictive.probit(mu, v);
        for (int c = 0; c < 3; c++) {
            assertThat(p[c]).isCloseTo(Math.exp(z[c]) / norm, within(1e-12));
        }
    }

    @Test
    void monteCarloMatchesQuadratureForTwoClasses() {
        // With two independent Gaussian logits, p_0 = E[sigmoid(d)], d ~ N(μ0 − μ1, v0 + v1):
        // a one-dimensional integral computed here by the trapezoid rule on a fine grid.
        double[] mu = {1.2, -0.3};
        double[] v = {2.5, 1.5};
        double m = mu[0] - mu[1];
        double sd = Math.sqrt(v[0] + v[1]);
        double integral = 0;
        double step = 1e-3;
        for (double t = -10; t <= 10; t += step) {
            double density = Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
            integral += step * density / (1 + Math.exp(-(m + sd * t)));
        }
        int samples = 200_000;
        Predictive mc = new Predictive(Predictive.Mode.MC, samples, 42, 2);
        double[] p = mc.probabilities(mu, v);
        // Standard error of a mean of values in [0, 1] is at most 0.5 / sqrt(S).
        assertThat(p[0]).isCloseTo(integral, within(4 * 0.5 / Math.sqrt(samples)));
    }

    @Test
    void monteCarloIsDeterministicPerSeedAndDiffersAcrossSeeds() {
        double[] mu = {0.3, 0.1, -0.2};
        double[] v = {3, 2, 1};
        double[] a = new Predictive(Predictive.Mode.MC, 50, 7, 3).probabilities(mu, v);
        double[] b = new Predictive(Predictive.Mode.MC, 50, 7, 3).probabilities(mu, v);
        double[] c = new Predictive(Predictive.Mode.MC, 50, 8, 3).probabilities(mu, v);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void mutualInformationIsEntropyOfMeanMinusMeanEntropy() {
        Predictive mc = new Predictive(Predictive.Mode.MC, 1000, 3, 3);
        double[] mu = {1, 0, -1};
        double[] v = {2, 2, 2};
        Predictive.McResult r = mc.monteCarlo(mu, v);
        Uncertainty u = Uncertainty.of(r.meanProbs(), v, r);
        assertThat(u.mutualInfo()).isCloseTo(Predictive.entropy(r.meanProbs()) - r.meanEntropy(), within(1e-15));
        assertThat(u.mutualInfo()).isGreaterThan(0.01);
    }

    @Test
    void monteCarloEntropyUsesTheLogSumExpIdentityCorrectly() {
        // With zero variance every draw is softmax(μ): the mean entropy must equal its entropy, computed directly.
        Predictive mc = new Predictive(Predictive.Mode.MC, 7, 1, 4);
        for (double[] mu : new double[][] {{0.3, -1, 2, 0.5}, {1000, 1001, 999, 1000.5}, {-50, 0, 0, -50}}) {
            Predictive.McResult r = mc.monteCarlo(mu, new double[4]);
            double[] p = Predictive.softmax(mu);
            assertThat(r.meanEntropy()).isCloseTo(Predictive.entropy(p), within(1e-12));
            assertThat(r.meanProbs()).containsExactly(p, within(1e-12));
        }
    }

    @Test
    void uncertaintyScoresMatchHandValues() {
        double[] p = {0.2, 0.5, 0.3};
        double[] v = {1, 9, 4};
        Predictive.McResult mc = new Predictive.McResult(p, Predictive.entropy(p));
        Uncertainty u = Uncertainty.of(p, v, mc);
        assertThat(u.maxProb()).isEqualTo(0.5);
        // −(0.2 ln 0.2 + 0.5 ln 0.5 + 0.3 ln 0.3) = 1.0296530140645737
        assertThat(u.entropy()).isCloseTo(1.0296530140645737, within(1e-12));
        assertThat(u.margin()).isCloseTo(0.2, within(1e-12));
        assertThat(u.topLogitStd()).isEqualTo(3.0);
        // Σ p² = 0.04 + 0.25 + 0.09 = 0.38 → (1 − 0.38) / 0.38
        assertThat(u.doctor()).isCloseTo(0.62 / 0.38, within(1e-12));
        assertThat(u.mutualInfo()).isZero();
    }

    @Test
    void scoreNamesRoundTripAndOrientUncertainty() {
        for (UncertaintyScore s : UncertaintyScore.values()) {
            assertThat(UncertaintyScore.fromName(s.jsonName())).isEqualTo(s);
        }
        assertThat(UncertaintyScore.MAX_PROB.uncertainty(0.9)).isLessThan(UncertaintyScore.MAX_PROB.uncertainty(0.4));
        assertThat(UncertaintyScore.ENTROPY.uncertainty(0.9)).isGreaterThan(UncertaintyScore.ENTROPY.uncertainty(0.4));
        assertThatThrownBy(() -> UncertaintyScore.fromName("confidence")).hasMessageContaining("max_prob");
    }
}
