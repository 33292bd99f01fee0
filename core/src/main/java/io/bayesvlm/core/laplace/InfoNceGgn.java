package io.bayesvlm.core.laplace;

/**
 * The generalised Gauss–Newton of the InfoNCE loss with respect to one embedding, as BayesVLM uses for the
 * output-side KFAC factor B:
 * <pre>
 *   H = s² J (Yᵀ diag(p) Y − Yᵀ p pᵀ Y) Jᵀ,   J = I/‖g‖ − g gᵀ/‖g‖³,   p = softmax(s · Y g/‖g‖)
 * </pre>
 * with Y the row-normalised embeddings of the targets (class prompts, or the other modality's batch).
 * Since J = (I − u uᵀ)/‖g‖ with u = g/‖g‖, this is computed as (s²/‖g‖²) P M P with P = I − u uᵀ,
 * in O(K·D + D²) beyond forming M.
 */
public final class InfoNceGgn {

    private InfoNceGgn() {}

    /**
     * @param g the (unnormalised) embedding, length D
     * @param targets row-normalised target embeddings [K][D]
     * @param scale the logit scale s
     * @return H as a row-major D × D array
     */
    public static double[] compute(double[] g, double[][] targets, double scale) {
        int d = g.length;
        double norm = 0;
        for (double v : g) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        double[] u = new double[d];
        for (int i = 0; i < d; i++) {
            u[i] = g[i] / norm;
        }
        double[] p = softmaxOfScaledDots(u, targets, scale);

        // M = Yᵀ diag(p) Y − m mᵀ with m = Yᵀ p
        double[] m = new double[d];
        double[] mat = new double[d * d];
        for (int k = 0; k < targets.length; k++) {
            double[] y = targets[k];
            double pk = p[k];
            for (int i = 0; i < d; i++) {
                m[i] += pk * y[i];
                double pyi = pk * y[i];
                int row = i * d;
                for (int j = 0; j < d; j++) {
                    mat[row + j] += pyi * y[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                mat[i * d + j] -= m[i] * m[j];
            }
        }
        // P M P with P = I − u uᵀ: first M P = M − (M u) uᵀ, then P (M P) = MP − u (uᵀ MP).
        double[] mu = new double[d];
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += mat[i * d + j] * u[j];
            }
            mu[i] = s;
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                mat[i * d + j] -= mu[i] * u[j];
            }
        }
        double[] umP = new double[d];
        for (int i = 0; i < d; i++) {
            double ui = u[i];
            for (int j = 0; j < d; j++) {
                umP[j] += ui * mat[i * d + j];
            }
        }
        double factor = scale * scale / (norm * norm);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                mat[i * d + j] = factor * (mat[i * d + j] - u[i] * umP[j]);
            }
        }
        return mat;
    }

    static double[] softmaxOfScaledDots(double[] u, double[][] targets, double scale) {
        double[] z = new double[targets.length];
        for (int k = 0; k < targets.length; k++) {
            double s = 0;
            for (int i = 0; i < u.length; i++) {
                s += targets[k][i] * u[i];
            }
            z[k] = scale * s;
        }
        return io.bayesvlm.core.head.Predictive.softmax(z);
    }

    /** Rows scaled to unit length. */
    public static double[][] normaliseRows(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int k = 0; k < rows.length; k++) {
            double n = 0;
            for (double v : rows[k]) {
                n += v * v;
            }
            n = Math.sqrt(n);
            out[k] = new double[rows[k].length];
            for (int i = 0; i < rows[k].length; i++) {
                out[k][i] = rows[k][i] / n;
            }
        }
        return out;
    }
}
