package io.bayesvlm.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.bayesvlm.core.NaiveBayesVlm;
import io.bayesvlm.core.RandomHeads;
import io.bayesvlm.core.model.NpyArray;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProbCosineTest {

    /*
     * Worked by hand. Image: W = I (2x2), a = (3, 4), A_inv = 0.04 I, B_inv = diag(0.5, 2).
     *   g = (3, 4); aᵀ A_inv a = 0.04 · 25 = 1; σ²_g = (0.5, 2); E‖g‖² = 9 + 16 + 0.5 + 2 = 27.5.
     * Class "x": W_t = I, c = (1, 0), A_inv_t = I, B_inv_t = diag(0.25, 0.75).
     *   h = (1, 0); cᵀ c = 1; σ²_h = (0.25, 0.75); E‖h‖² = 1 + 0.25 + 0.75 = 2.
     *   E[cos]   = 3 / sqrt(27.5 · 2) = 3 / sqrt(55)
     *   Var[cos] = ((9 + 0.5) 0.25 + (16 + 2) 0.75 + 0.5 · 1 + 2 · 0) / 55 = 16.375 / 55
     *   MAP cos  = 3 / 5
     * Class "y": c = (0, 1) → h = (0, 1), same σ²_h.
     *   E[cos] = 4 / sqrt(55); Var[cos] = (2.375 + 13.5 + 0 + 2 · 1) / 55 = 17.875 / 55; MAP cos = 4 / 5
     * With s = 10: μ = (30, 40) / sqrt(55), v = (1637.5, 1787.5) / 55, MAP logits = (6, 8).
     */
    static Map<String, NpyArray> handHead() {
        return Map.of(
                LaplaceHead.IMAGE_PROJECTION, NpyArray.matrix(2, 2, new float[] {1, 0, 0, 1}),
                LaplaceHead.IMAGE_A_INV, NpyArray.matrix(2, 2, new float[] {0.04f, 0, 0, 0.04f}),
                LaplaceHead.IMAGE_B_INV, NpyArray.matrix(2, 2, new float[] {0.5f, 0, 0, 2}),
                LaplaceHead.TEXT_PROJECTION, NpyArray.matrix(2, 2, new float[] {1, 0, 0, 1}),
                LaplaceHead.TEXT_A_INV, NpyArray.matrix(2, 2, new float[] {1, 0, 0, 1}),
                LaplaceHead.TEXT_B_INV, NpyArray.matrix(2, 2, new float[] {0.25f, 0, 0, 0.75f}),
                LaplaceHead.CLASS_TEXT_ACTIVATIONS, NpyArray.matrix(2, 2, new float[] {1, 0, 0, 1}));
    }

    @Test
    void embeddingMomentsMatchHandWorkedExample() {
        Map<String, NpyArray> head = handHead();
        ProbCosine.Embedding g = ProbCosine.embed(
                head.get(LaplaceHead.IMAGE_PROJECTION),
                head.get(LaplaceHead.IMAGE_A_INV),
                ProbCosine.diagonal(head.get(LaplaceHead.IMAGE_B_INV)),
                new float[] {3, 4});
        assertThat(g.mean()).containsExactly(3, 4);
        assertThat(g.var()[0]).isCloseTo(0.5, within(1e-7));
        assertThat(g.var()[1]).isCloseTo(2.0, within(1e-6));
        assertThat(g.expectedSquaredNorm()).isCloseTo(27.5, within(1e-6));
    }

    @Test
    void logitsMatchHandWorkedExample() {
        LaplaceHead head = new LaplaceHead(handHead(), 10.0, 2, new Predictive(Predictive.Mode.PROBIT, 16, 0, 2));
        Prediction p = head.predict(new float[] {3, 4});
        double r55 = Math.sqrt(55);
        assertThat(p.logitsMean()[0]).isCloseTo(30 / r55, within(1e-6));
        assertThat(p.logitsMean()[1]).isCloseTo(40 / r55, within(1e-6));
        assertThat(p.logitsVar()[0]).isCloseTo(1637.5 / 55, within(1e-5));
        assertThat(p.logitsVar()[1]).isCloseTo(1787.5 / 55, within(1e-5));

        // MAP: softmax(6, 8) = (1, e²) / (1 + e²)
        double e2 = Math.exp(2);
        assertThat(p.mapProbs()[0]).isCloseTo(1 / (1 + e2), within(1e-7));
        assertThat(p.mapProbs()[1]).isCloseTo(e2 / (1 + e2), within(1e-7));

        // Probit: z_c = μ_c / sqrt(1 + π v_c / 8); p_1 = 1 / (1 + exp(z_0 − z_1)).
        double z0 = (30 / r55) / Math.sqrt(1 + Math.PI * (1637.5 / 55) / 8);
        double z1 = (40 / r55) / Math.sqrt(1 + Math.PI * (1787.5 / 55) / 8);
        assertThat(p.probs()[1]).isCloseTo(1 / (1 + Math.exp(z0 - z1)), within(1e-7));
        assertThat(p.predicted()).isEqualTo(1);
        assertThat(p.uncertainty().topLogitStd()).isCloseTo(Math.sqrt(1787.5 / 55), within(1e-6));
    }

    @Test
    void agreesWithNaiveKroneckerImplementationOnRandomHeads() {
        Random rng = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int d = 2 + rng.nextInt(4);
            int dv = 2 + rng.nextInt(5);
            int dt = 2 + rng.nextInt(5);
            int k = 2 + rng.nextInt(4);
            Map<String, NpyArray> h = RandomHeads.head(rng, d, dv, dt, k, 0.3);
            double s = 5 + rng.nextDouble() * 50;
            LaplaceHead head = new LaplaceHead(h, s, k, new Predictive(Predictive.Mode.PROBIT, 8, 0, k));
            float[] a = RandomHeads.vector(rng, dv);
            Prediction p = head.predict(a);
            NaiveBayesVlm.Result naive = NaiveBayesVlm.compute(h, s, a);
            for (int c = 0; c < k; c++) {
                assertThat(p.logitsMean()[c])
                        .isCloseTo(naive.mean()[c], within(1e-9 + 1e-9 * Math.abs(naive.mean()[c])));
                assertThat(p.logitsVar()[c]).isCloseTo(naive.var()[c], within(1e-9 + 1e-9 * naive.var()[c]));
                assertThat(p.logitsVar()[c]).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void embeddingVarianceMatchesSamplingTheMatrixNormalPosterior() {
        // W ~ MN(M, B_inv, A_inv): vec-covariance B_inv ⊗ A_inv. Sample W = M + L_B Z L_Aᵀ and check g = W a.
        Random rng = new Random(3);
        int d = 3;
        int dv = 4;
        Map<String, NpyArray> h = RandomHeads.head(rng, d, dv, 3, 2, 1.0);
        NpyArray m = h.get(LaplaceHead.IMAGE_PROJECTION);
        double[][] la = NaiveBayesVlm.cholesky(NaiveBayesVlm.toDouble(h.get(LaplaceHead.IMAGE_A_INV)));
        double[][] lb = NaiveBayesVlm.cholesky(NaiveBayesVlm.toDouble(h.get(LaplaceHead.IMAGE_B_INV)));
        float[] a = RandomHeads.vector(rng, dv);
        int n = 200_000;
        double[] sum = new double[d];
        double[] sumSq = new double[d];
        for (int t = 0; t < n; t++) {
            double[][] z = new double[d][dv];
            for (double[] row : z) {
                for (int j = 0; j < dv; j++) {
                    row[j] = rng.nextGaussian();
                }
            }
            for (int i = 0; i < d; i++) {
                double gi = 0;
                for (int j = 0; j < dv; j++) {
                    double wij = m.get(i, j);
                    for (int p = 0; p <= i; p++) {
                        for (int q = 0; q <= j; q++) {
                            wij += lb[i][p] * z[p][q] * la[j][q];
                        }
                    }
                    gi += wij * a[j];
                }
                sum[i] += gi;
                sumSq[i] += gi * gi;
            }
        }
        ProbCosine.Embedding g = ProbCosine.embed(
                m, h.get(LaplaceHead.IMAGE_A_INV), ProbCosine.diagonal(h.get(LaplaceHead.IMAGE_B_INV)), a);
        for (int i = 0; i < d; i++) {
            double mean = sum[i] / n;
            double var = sumSq[i] / n - mean * mean;
            assertThat(mean).isCloseTo(g.mean()[i], within(5 * Math.sqrt(g.var()[i] / n)));
            assertThat(var).isCloseTo(g.var()[i], within(0.02 * g.var()[i]));
        }
    }

    @Test
    void zeroCovarianceGivesMapPredictions() {
        Random rng = new Random(5);
        Map<String, NpyArray> h = new java.util.HashMap<>(RandomHeads.head(rng, 4, 5, 3, 6, 0.3));
        for (String key : new String[] {
            LaplaceHead.IMAGE_A_INV, LaplaceHead.IMAGE_B_INV, LaplaceHead.TEXT_A_INV, LaplaceHead.TEXT_B_INV
        }) {
            NpyArray old = h.get(key);
            h.put(key, new NpyArray(old.shape(), new float[old.data().length]));
        }
        for (Predictive.Mode mode : Predictive.Mode.values()) {
            LaplaceHead head = new LaplaceHead(h, 30, 6, new Predictive(mode, 32, 1, 6));
            Prediction p = head.predict(RandomHeads.vector(rng, 5));
            for (int c = 0; c < 6; c++) {
                assertThat(p.logitsVar()[c]).isZero();
                assertThat(p.probs()[c]).isCloseTo(p.mapProbs()[c], within(1e-12));
            }
            assertThat(p.uncertainty().mutualInfo()).isCloseTo(0, within(1e-12));
        }
    }

    @Test
    void probabilitiesSumToOneAndScoresAreInRange() {
        Random rng = new Random(9);
        for (int trial = 0; trial < 50; trial++) {
            int k = 2 + rng.nextInt(8);
            Map<String, NpyArray> h = RandomHeads.head(rng, 5, 6, 4, k, rng.nextDouble() * 3);
            for (Predictive.Mode mode : Predictive.Mode.values()) {
                LaplaceHead head =
                        new LaplaceHead(h, 1 + rng.nextDouble() * 100, k, new Predictive(mode, 64, trial, k));
                Prediction p = head.predict(RandomHeads.vector(rng, 6));
                assertThat(sum(p.probs())).isCloseTo(1, within(1e-12));
                assertThat(sum(p.mapProbs())).isCloseTo(1, within(1e-12));
                Uncertainty u = p.uncertainty();
                assertThat(u.maxProb()).isBetween(1.0 / k - 1e-12, 1.0);
                assertThat(u.entropy()).isBetween(0.0, Math.log(k) + 1e-12);
                assertThat(u.mutualInfo()).isBetween(0.0, Math.log(k) + 1e-12);
                assertThat(u.margin()).isBetween(0.0, 1.0);
                assertThat(u.doctor()).isBetween(0.0, k - 1.0 + 1e-9);
            }
        }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
