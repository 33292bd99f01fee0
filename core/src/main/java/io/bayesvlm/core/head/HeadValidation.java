package io.bayesvlm.core.head;

import io.bayesvlm.core.model.ModelFormatException;
import io.bayesvlm.core.model.NpyArray;

/**
 * What a Laplace head must satisfy before it may score anything; each refusal is one {@link ModelFormatException}
 * naming the array and what is wrong (callers add the file). Without these checks a damaged head.npz scores
 * "successfully": NaN probabilities with entropy 0 and an argmax of class 0, or negative logit variances that make
 * the probit more confident than MAP.
 *
 * <ul>
 *   <li>every value of every array finite;</li>
 *   <li>the posterior factors ({@code *_A_inv}, {@code *_B_inv}) symmetric, |m_ij − m_ji| ≤ 1e-4 · max|m|, and
 *       positive semi-definite: the Cholesky factorisation of M + 1e-4 · max(diag M) · I exists, i.e. no eigenvalue
 *       below −1e-4 times the largest diagonal entry (float32 rounding of a valid covariance stays far inside);</li>
 *   <li>the projections not all zero (every cosine would be 0/0).</li>
 * </ul>
 */
public final class HeadValidation {

    /** Relative tolerance of the symmetry and positive semi-definiteness checks. */
    public static final double TOLERANCE = 1e-4;

    private HeadValidation() {}

    /** Checks the arrays of a head whose shapes are already known to agree. */
    static void check(
            NpyArray imageProjection,
            NpyArray imageAInv,
            NpyArray imageBInv,
            NpyArray textProjection,
            NpyArray textAInv,
            NpyArray textBInv,
            NpyArray classActivations) {
        finite(LaplaceHead.IMAGE_PROJECTION, imageProjection);
        finite(LaplaceHead.IMAGE_A_INV, imageAInv);
        finite(LaplaceHead.IMAGE_B_INV, imageBInv);
        finite(LaplaceHead.TEXT_PROJECTION, textProjection);
        finite(LaplaceHead.TEXT_A_INV, textAInv);
        finite(LaplaceHead.TEXT_B_INV, textBInv);
        finite(LaplaceHead.CLASS_TEXT_ACTIVATIONS, classActivations);
        notAllZero(LaplaceHead.IMAGE_PROJECTION, imageProjection);
        notAllZero(LaplaceHead.TEXT_PROJECTION, textProjection);
        covariance(LaplaceHead.IMAGE_A_INV, imageAInv);
        covariance(LaplaceHead.IMAGE_B_INV, imageBInv);
        covariance(LaplaceHead.TEXT_A_INV, textAInv);
        covariance(LaplaceHead.TEXT_B_INV, textBInv);
    }

    static void finite(String name, NpyArray a) {
        float[] d = a.data();
        for (int i = 0; i < d.length; i++) {
            if (!Float.isFinite(d[i])) {
                throw new ModelFormatException(
                        "array '" + name + "' has a non-finite value (" + d[i] + ") at " + index(a, i));
            }
        }
    }

    static void notAllZero(String name, NpyArray a) {
        for (float v : a.data()) {
            if (v != 0) {
                return;
            }
        }
        throw new ModelFormatException(
                "array '" + name + "' is all zeros: every embedding would be zero and every" + " cosine 0/0");
    }

    /** Symmetric within tolerance and positive semi-definite within tolerance (Cholesky with a jitter). */
    static void covariance(String name, NpyArray m) {
        int n = m.rows();
        float[] a = m.data();
        double maxAbs = 0;
        double maxDiag = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            maxDiag = Math.max(maxDiag, a[i * n + i]);
            for (int j = 0; j < n; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(a[i * n + j]));
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (Math.abs(a[i * n + j] - a[j * n + i]) > TOLERANCE * maxAbs) {
                    throw new ModelFormatException("array '" + name + "' is not symmetric: [" + i + ", " + j + "] = "
                            + a[i * n + j] + " but [" + j + ", " + i + "] = " + a[j * n + i]
                            + " (a posterior covariance factor must be)");
                }
            }
        }
        if (maxAbs == 0) {
            return; // the zero matrix: no posterior uncertainty on this side, which is PSD
        }
        if (!(maxDiag > 0)) {
            throw new ModelFormatException("array '" + name + "' is not positive semi-definite: its largest diagonal"
                    + " entry is " + maxDiag + " (variances cannot be negative)");
        }
        double jitter = TOLERANCE * maxDiag;
        // Cholesky (lower, row-major, in place on a double copy of the symmetric part) of M + jitter·I.
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0.5 * (a[i * n + j] + a[j * n + i]) + (i == j ? jitter : 0);
                for (int k = 0; k < j; k++) {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new ModelFormatException("array '" + name + "' is not positive semi-definite: it has an"
                                + " eigenvalue below -" + TOLERANCE + " x its largest diagonal entry " + maxDiag
                                + " (Cholesky fails at row " + i + "); logit variances would come out negative");
                    }
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
    }

    private static String index(NpyArray a, int flat) {
        return a.rank() == 2 ? "[" + flat / a.cols() + ", " + flat % a.cols() + "]" : "[" + flat + "]";
    }
}
