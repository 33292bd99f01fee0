package io.bayesvlm.core.head;

import io.bayesvlm.core.model.NpyArray;

/**
 * The BayesVLM ProbCosine approximation: moments of the cosine similarity between an image embedding and a
 * text embedding when both projections carry a Kronecker-factored (KFAC) Laplace posterior.
 *
 * <p>For a projection W with posterior covariance {@code B_inv ⊗ A_inv} and input activation x, the embedding
 * has mean {@code W x} and independent per-dimension variances {@code (xᵀ A_inv x) · [B_inv]_kk}. With g and h
 * the image and text embeddings:
 * <pre>
 *   E‖g‖²    = Σ_k g_k² + σ²_g,k
 *   E[cos]   = gᵀh / sqrt(E‖g‖² · E‖h‖²)
 *   Var[cos] = ( Σ_k (g_k² + σ²_g,k) σ²_h,k + Σ_k σ²_g,k h_k² ) / (E‖g‖² · E‖h‖²)
 * </pre>
 * All arithmetic is in double precision; inputs are float32 as stored in head.npz.
 */
public final class ProbCosine {

    private ProbCosine() {}

    /** Mean and per-dimension variance of one embedding. */
    public record Embedding(double[] mean, double[] var) {
        public int dim() {
            return mean.length;
        }

        /** E‖g‖² = Σ_k g_k² + σ²_k. */
        public double expectedSquaredNorm() {
            double s = 0;
            for (int k = 0; k < mean.length; k++) {
                s += mean[k] * mean[k] + var[k];
            }
            return s;
        }

        /** ‖g‖ of the mean embedding (what MAP CLIP normalises by). */
        public double meanNorm() {
            double s = 0;
            for (double m : mean) {
                s += m * m;
            }
            return Math.sqrt(s);
        }
    }

    /**
     * Embeds an activation through a projection with KFAC posterior factors.
     *
     * @param w projection [D, Dx]
     * @param aInv input-side posterior factor [Dx, Dx]
     * @param bInvDiag diagonal of the output-side posterior factor, length D
     * @param x activation, length Dx
     */
    public static Embedding embed(NpyArray w, NpyArray aInv, double[] bInvDiag, float[] x) {
        int d = w.rows();
        int dx = w.cols();
        if (x.length != dx) {
            throw new IllegalArgumentException("activation has " + x.length + " values, projection expects " + dx);
        }
        double[] mean = matVec(w, x);
        // xᵀ A_inv x ≥ 0 for a positive semi-definite A_inv (checked at load, HeadValidation); float32 rounding of
        // a valid factor can leave it a hair below zero, which would make variances negative.
        double scale = Math.max(0, quadraticForm(aInv, x));
        double[] var = new double[d];
        for (int k = 0; k < d; k++) {
            var[k] = scale * bInvDiag[k];
        }
        return new Embedding(mean, var);
    }

    /** E[cos(g, h)] = gᵀh / sqrt(E‖g‖² · E‖h‖²). */
    public static double expectedCosine(Embedding g, Embedding h) {
        return dot(g.mean(), h.mean()) / Math.sqrt(g.expectedSquaredNorm() * h.expectedSquaredNorm());
    }

    /** Var[cos(g, h)] as defined in the class comment. */
    public static double cosineVariance(Embedding g, Embedding h) {
        double[] gm = g.mean();
        double[] gv = g.var();
        double[] hm = h.mean();
        double[] hv = h.var();
        double num = 0;
        for (int k = 0; k < gm.length; k++) {
            num += (gm[k] * gm[k] + gv[k]) * hv[k] + gv[k] * hm[k] * hm[k];
        }
        return num / (g.expectedSquaredNorm() * h.expectedSquaredNorm());
    }

    /** cos(g, h) of the mean embeddings: the MAP (plain CLIP) similarity. */
    public static double mapCosine(Embedding g, Embedding h) {
        return dot(g.mean(), h.mean()) / (g.meanNorm() * h.meanNorm());
    }

    /** The diagonal of a square matrix, in double precision. */
    public static double[] diagonal(NpyArray m) {
        double[] d = new double[m.rows()];
        for (int i = 0; i < d.length; i++) {
            d[i] = m.get(i, i);
        }
        return d;
    }

    /** xᵀ M x. */
    public static double quadraticForm(NpyArray m, float[] x) {
        int n = x.length;
        if (m.rows() != n || m.cols() != n) {
            throw new IllegalArgumentException("matrix " + m.shapeString() + " does not match vector of " + n);
        }
        float[] a = m.data();
        double s = 0;
        for (int i = 0; i < n; i++) {
            double row = 0;
            int base = i * n;
            for (int j = 0; j < n; j++) {
                row += (double) a[base + j] * x[j];
            }
            s += (double) x[i] * row;
        }
        return s;
    }

    /** M x. */
    public static double[] matVec(NpyArray m, float[] x) {
        int rows = m.rows();
        int cols = m.cols();
        float[] a = m.data();
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                s += (double) a[base + j] * x[j];
            }
            out[i] = s;
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
