package io.bayesvlm.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.Uncertainty;
import io.bayesvlm.core.head.UncertaintyScore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every score function defines its result for NaN/infinite input: NaN, never a confident-looking number. */
class NonFiniteScoresTest {

    @Test
    void entropyOfADistributionWithNaNIsNaN() {
        assertThat(Predictive.entropy(new double[] {Double.NaN, 0.5, 0.5})).isNaN();
        assertThat(Predictive.entropy(new double[] {0, 1})).isZero(); // 0 log 0 = 0 still
    }

    @Test
    void anyNonFiniteProbabilityOrVarianceMakesEveryScoreNaN() {
        Predictive.McResult mc = new Predictive.McResult(new double[] {0.5, 0.5}, 0.6);
        for (double[][] in : List.of(
                new double[][] {{Double.NaN, 1}, {0.1, 0.1}},
                new double[][] {{0.3, 0.7}, {Double.NaN, 0.1}},
                new double[][] {{0.3, 0.7}, {0.1, Double.POSITIVE_INFINITY}})) {
            Uncertainty u = Uncertainty.of(in[0], in[1], mc);
            assertThat(u.isFinite()).isFalse();
            for (UncertaintyScore s : UncertaintyScore.values()) {
                assertThat(u.get(s)).as("%s", s).isNaN();
            }
        }
        assertThat(Uncertainty.of(new double[] {0.3, 0.7}, new double[] {0.1, 0.2}, mc)
                        .isFinite())
                .isTrue();
    }

    @Test
    void aPredictionWithANonFiniteValueSaysSoAndWhere() {
        Uncertainty ok = new Uncertainty(0.7, 0.6, 0.01, 0.3, 0.4, 0.7);
        Prediction good = new Prediction(
                1, new double[] {0.3, 0.7}, new double[] {0.4, 0.6}, new double[] {1, 2}, new double[] {0.1, 0.2}, ok);
        assertThat(good.isFinite()).isTrue();
        assertThat(good.nonFiniteSummary()).isEmpty();
        Prediction bad = new Prediction(
                0,
                new double[] {0.3, 0.7},
                new double[] {Double.NaN, Double.NaN},
                new double[] {1, 2},
                new double[] {0.1, 0.2},
                ok);
        assertThat(bad.isFinite()).isFalse();
        assertThat(bad.nonFiniteSummary()).isEqualTo("map_probs[0]=NaN");
    }
}
