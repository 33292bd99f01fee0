package io.bayesvlm.core;

import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.model.NpyArray;
import java.util.Map;

/**
 * A second, deliberately naive implementation of the BayesVLM logit moments for tests: it builds the full
 * Kronecker covariance B_inv ⊗ A_inv of vec(W) and reads the embedding variances off Cov(W x) element by
 * element, instead of using the (xᵀ A_inv x) · diag(B_inv) shortcut of the production code.
 */
public final class NaiveBayesVlm {
    private NaiveBayesVlm() {}

    public record Result(double[] mean, double[] var) {}

    public static Result compute(Map<String, NpyArray> h, double s, float[] a) {
        double[] g = project(h.get(LaplaceHead.IMAGE_PROJECTION), a);
        double[] gVar = kroneckerVariance(
                toDouble(h.get(LaplaceHead.IMAGE_B_INV)), toDouble(h.get(LaplaceHead.IMAGE_A_INV)), a);
        NpyArray classes = h.get(LaplaceHead.CLASS_TEXT_ACTIVATIONS);
        int k = classes.rows();
        double[] mean = new double[k];
        double[] var = new double[k];
        for (int c = 0; c < k; c++) {
            float[] act = java.util.Arrays.copyOfRange(classes.data(), c * classes.cols(), (c + 1) * classes.cols());
            double[] t = project(h.get(LaplaceHead.TEXT_PROJECTION), act);
            double[] tVar = kroneckerVariance(
                    toDouble(h.get(LaplaceHead.TEXT_B_INV)), toDouble(h.get(LaplaceHead.TEXT_A_INV)), act);
            double eg = 0;
            double et = 0;
            double dot = 0;
            double num = 0;
            for (int i = 0; i < g.length; i++) {
                eg += g[i] * g[i] + gVar[i];
                et += t[i] * t[i] + tVar[i];
                dot += g[i] * t[i];
                num += (g[i] * g[i] + gVar[i]) * tVar[i] + gVar[i] * t[i] * t[i];
            }
            mean[c] = s * dot / Math.sqrt(eg * et);
            var[c] = s * s * num / (eg * et);
        }
        return new Result(mean, var);
    }

    /** diag Cov(W x) with Cov(vec_row(W)) = B ⊗ A, from the explicit (D·Dx)² Kronecker matrix. */
    public static double[] kroneckerVariance(double[][] b, double[][] a, float[] x) {
        int d = b.length;
        int dx = a.length;
        double[][] kron = new double[d * dx][d * dx];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int p = 0; p < dx; p++) {
                    for (int q = 0; q < dx; q++) {
                        kron[i * dx + p][j * dx + q] = b[i][j] * a[p][q];
                    }
                }
            }
        }
        double[] var = new double[d];
        for (int k = 0; k < d; k++) {
            double v = 0;
            for (int p = 0; p < dx; p++) {
                for (int q = 0; q < dx; q++) {
                    v += x[p] * kron[k * dx + p][k * dx + q] * x[q];
                }
            }
            var[k] = v;
        }
        return var;
    }

    public static double[] project(NpyArray w, float[] x) {
        double[] out = new double[w.rows()];
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                out[i] += w.get(i, j) * (double) x[j];
            }
        }
        return out;
    }

    public static double[][] toDouble(NpyArray m) {
        double[][] out = new double[m.rows()][m.cols()];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                out[i][j] = m.get(i, j);
            }
        }
        return out;
    }

    public static double[][] cholesky(double[][] m) {
        int n = m.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = m[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        return l;
    }
}
