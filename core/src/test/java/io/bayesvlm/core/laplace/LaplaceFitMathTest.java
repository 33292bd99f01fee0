package io.bayesvlm.core.laplace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LaplaceFitMathTest {

    private final Random rng = new Random(17);

    @Test
    void ggnMatchesNaiveJacobianProduct() {
        for (int trial = 0; trial < 10; trial++) {
            int d = 2 + rng.nextInt(6);
            int k = 2 + rng.nextInt(6);
            double s = 1 + 30 * rng.nextDouble();
            double[] g = gaussian(d);
            double[][] y = InfoNceGgn.normaliseRows(matrix(k, d));
            double[] fast = InfoNceGgn.compute(g, y, s);
            double[][] naive = naiveGgn(g, y, s);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    assertThat(fast[i * d + j]).isCloseTo(naive[i][j], within(1e-10 * (1 + Math.abs(naive[i][j]))));
                }
            }
        }
    }

    @Test
    void ggnIsSymmetricPsdAndAnnihilatesTheEmbeddingDirection() {
        double[] g = gaussian(5);
        double[] h = InfoNceGgn.compute(g, InfoNceGgn.normaliseRows(matrix(7, 5)), 20);
        // Scaling g does not change cos, so H g = 0.
        for (int i = 0; i < 5; i++) {
            double hg = 0;
            for (int j = 0; j < 5; j++) {
                hg += h[i * 5 + j] * g[j];
                assertThat(h[i * 5 + j]).isCloseTo(h[j * 5 + i], within(1e-12));
            }
            assertThat(hg).isCloseTo(0, within(1e-10));
        }
        for (int t = 0; t < 20; t++) {
            double[] v = gaussian(5);
            double q = 0;
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 5; j++) {
                    q += v[i] * h[i * 5 + j] * v[j];
                }
            }
            assertThat(q).isGreaterThanOrEqualTo(-1e-12);
        }
    }

    @Test
    void accumulatorDividesSumsBySqrtN() {
        KfacAccumulator acc = new KfacAccumulator(3, 2);
        float[][] acts = {{1, 2, 3}, {0, -1, 2}, {4, 0, 1}};
        double[][] ggns = {{1, 0.5, 0.5, 2}, {0, 0, 0, 1}, {3, 1, 1, 1}};
        acc.add(acts[0], ggns[0], 1);
        acc.add(acts[1], ggns[1], 1);
        acc.add(acts[2], ggns[2], 2); // weight 2 = added twice
        KfacFactors f = acc.finish();
        assertThat(f.n()).isEqualTo(4);
        double root = 2; // √4
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double expected =
                        (acts[0][i] * acts[0][j] + acts[1][i] * acts[1][j] + 2 * acts[2][i] * acts[2][j]) / root;
                assertThat(f.a()[i * 3 + j]).isCloseTo(expected, within(1e-12));
            }
        }
        assertThat(f.b())
                .containsExactly(
                        new double[] {(1 + 0 + 6) / root, (0.5 + 0 + 2) / root, (0.5 + 0 + 2) / root, (2 + 1 + 2) / root
                        },
                        within(1e-12));
    }

    @Test
    void priorPrecisionMaximisesTheStatedObjective() {
        for (int trial = 0; trial < 10; trial++) {
            int p = 3 + rng.nextInt(10);
            int q = 2 + rng.nextInt(10);
            double[] eigA = positive(p, Math.pow(10, rng.nextInt(4)));
            double[] eigB = positive(q, Math.pow(10, rng.nextInt(4) - 2));
            double n = Math.pow(10, rng.nextInt(4));
            double w2 = p * q * (0.01 + rng.nextDouble());
            double lambda = PriorPrecision.optimise(eigA, eigB, n, w2);
            double f = PriorPrecision.logMarginal(lambda, eigA, eigB, n, w2);
            // The analytic derivative is ~0 relative to its terms...
            double scale = 0.5 * p * q / lambda;
            assertThat(PriorPrecision.derivative(lambda, eigA, eigB, n, w2) / scale)
                    .isCloseTo(0, within(1e-6));
            // ...and neighbours on either side are lower.
            for (double factor : new double[] {0.9, 0.99, 1.01, 1.1}) {
                assertThat(PriorPrecision.logMarginal(lambda * factor, eigA, eigB, n, w2))
                        .isLessThan(f);
            }
        }
    }

    @Test
    void analyticDerivativeMatchesFiniteDifferences() {
        double[] eigA = {0.5, 2, 7};
        double[] eigB = {0.01, 0.3};
        for (double lambda : new double[] {0.1, 3, 50}) {
            double h = lambda * 1e-6;
            double numeric = (PriorPrecision.logMarginal(lambda + h, eigA, eigB, 4, 2.5)
                            - PriorPrecision.logMarginal(lambda - h, eigA, eigB, 4, 2.5))
                    / (2 * h);
            assertThat(PriorPrecision.derivative(lambda, eigA, eigB, 4, 2.5))
                    .isCloseTo(numeric, within(1e-5 * (1 + Math.abs(numeric))));
        }
    }

    @Test
    void objectiveUsesQForLogdetAAndPForLogdetB() {
        // p = 2 (A is 2x2), q = 1: f = −½λw + ½·2·log λ − ½(1·logdet A' + 2·logdet B')
        double[] eigA = {1, 3};
        double[] eigB = {2};
        double lambda = 4;
        double expected =
                -0.5 * 4 * 1.5 + Math.log(4) - 0.5 * (Math.log(1 + 2) + Math.log(3 + 2) + 2 * Math.log(2 + 2));
        assertThat(PriorPrecision.logMarginal(lambda, eigA, eigB, 1, 1.5)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void posteriorFactorsInvertTheDampedFactorsAndAbsorbASlightlyIndefiniteB() {
        int p = 4;
        int q = 3;
        double[] a = spd(p);
        double[] b = spd(q);
        b[0] -= 0.5 * (b[0] + 0.01); // push B towards indefinite
        KfacPosterior post = new KfacPosterior(new KfacFactors(a, p, b, q, 100), 0.3);
        KfacPosterior.Result r = post.forPseudoCount(9);
        assertThat(r.priorPrecision()).isPositive();
        assertIdentity(multiply(r.aInv(), damped(a, 3, Math.sqrt(r.priorPrecision())), p), p);
        assertIdentity(multiply(r.bInv(), damped(b, 3, Math.sqrt(r.priorPrecision())), q), q);
    }

    @Test
    void eigendecompositionReconstructsRankDeficientAndDegenerateMatrices() {
        int n = 30;
        // Rank 3 (like a text-side A from a few prompts) plus exactly repeated eigenvalues.
        double[][] basis = matrix(3, n);
        double[] m = new double[n * n];
        for (double[] b : basis) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    m[i * n + j] += b[i] * b[j];
                }
            }
        }
        SymmetricEigen e = SymmetricEigen.of(m, n);
        double[] rebuilt = new double[n * n];
        int nonZero = 0;
        for (int k = 0; k < n; k++) {
            if (Math.abs(e.values()[k]) > 1e-9) {
                nonZero++;
            }
            double[] v = e.vector(k);
            assertThat(dot(v, v)).isCloseTo(1, within(1e-12));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    rebuilt[i * n + j] += e.values()[k] * v[i] * v[j];
                }
            }
        }
        assertThat(nonZero).isEqualTo(3);
        for (int i = 0; i < m.length; i++) {
            assertThat(rebuilt[i]).isCloseTo(m[i], within(1e-10));
        }
    }

    // ---- helpers ----

    private double[][] naiveGgn(double[] g, double[][] y, double s) {
        int d = g.length;
        int k = y.length;
        double norm = Math.sqrt(dot(g, g));
        double[][] j = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                j[a][b] = (a == b ? 1 / norm : 0) - g[a] * g[b] / (norm * norm * norm);
            }
        }
        double[] logits = new double[k];
        for (int c = 0; c < k; c++) {
            logits[c] = s * dot(y[c], g) / norm;
        }
        double max = java.util.Arrays.stream(logits).max().orElseThrow();
        double z = 0;
        double[] p = new double[k];
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(logits[c] - max);
            z += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= z;
        }
        // Yᵀ diag(p) Y − Yᵀ p pᵀ Y, entry by entry
        double[][] m = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                double first = 0;
                double ya = 0;
                double yb = 0;
                for (int c = 0; c < k; c++) {
                    first += y[c][a] * p[c] * y[c][b];
                    ya += y[c][a] * p[c];
                    yb += y[c][b] * p[c];
                }
                m[a][b] = first - ya * yb;
            }
        }
        double[][] h = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                double v = 0;
                for (int x = 0; x < d; x++) {
                    for (int w = 0; w < d; w++) {
                        v += j[a][x] * m[x][w] * j[b][w];
                    }
                }
                h[a][b] = s * s * v;
            }
        }
        return h;
    }

    private double[] gaussian(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    private double[][] matrix(int rows, int cols) {
        double[][] m = new double[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = gaussian(cols);
        }
        return m;
    }

    private double[] positive(int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (0.01 + rng.nextDouble());
        }
        return v;
    }

    private double[] spd(int n) {
        double[][] m = matrix(n, n);
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = dot(m[i], m[j]) / n;
            }
        }
        return out;
    }

    private static double[] damped(double[] m, double sn, double sl) {
        int n = (int) Math.round(Math.sqrt(m.length));
        double[] out = new double[m.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = sn * m[i * n + j] + (i == j ? sl : 0);
            }
        }
        return out;
    }

    private static double[] multiply(double[] x, double[] y, int n) {
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    out[i * n + j] += x[i * n + k] * y[k * n + j];
                }
            }
        }
        return out;
    }

    private static void assertIdentity(double[] m, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertThat(m[i * n + j]).isCloseTo(i == j ? 1 : 0, within(1e-7));
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
