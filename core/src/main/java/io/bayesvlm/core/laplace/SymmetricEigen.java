package io.bayesvlm.core.laplace;

/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method: slow-ish (O(n³) per sweep, a few
 * sweeps) but unconditionally convergent and accurate for the rank-deficient, nearly-degenerate factors that
 * Laplace fitting produces (a text-side A built from ten class prompts has rank ten), where QR-based solvers can
 * fail to converge.
 */
public final class SymmetricEigen {

    private final double[] values;
    private final double[][] vectors; // vectors[k] is the k-th eigenvector

    private SymmetricEigen(double[] values, double[][] vectors) {
        this.values = values;
        this.vectors = vectors;
    }

    public double[] values() {
        return values;
    }

    /** The k-th unit eigenvector. */
    public double[] vector(int k) {
        return vectors[k];
    }

    /** Decomposes the symmetric part (M + Mᵀ)/2 of a row-major n × n matrix. */
    public static SymmetricEigen of(double[] m, int n) {
        double[][] a = new double[n][n];
        double[][] v = new double[n][n];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
            for (int j = 0; j < n; j++) {
                a[i][j] = 0.5 * (m[i * n + j] + m[j * n + i]);
                scale += a[i][j] * a[i][j];
            }
        }
        double tolerance = 1e-30 * Math.max(scale, Double.MIN_NORMAL);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off <= tolerance) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] != 0) {
                        rotate(a, v, p, q, n);
                    }
                }
            }
        }
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int k = 0; k < n; k++) {
            values[k] = a[k][k];
            for (int i = 0; i < n; i++) {
                vectors[k][i] = v[i][k];
            }
        }
        return new SymmetricEigen(values, vectors);
    }

    /** Zeroes a[p][q] with a plane rotation, applied to both sides of a and to the columns of v. */
    private static void rotate(double[][] a, double[][] v, int p, int q, int n) {
        double apq = a[p][q];
        double theta = (a[q][q] - a[p][p]) / (2 * apq);
        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) {
            t = 1;
        }
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        double tau = s / (1 + c);
        a[p][p] -= t * apq;
        a[q][q] += t * apq;
        a[p][q] = 0;
        a[q][p] = 0;
        for (int r = 0; r < n; r++) {
            if (r != p && r != q) {
                double g = a[r][p];
                double h = a[r][q];
                a[r][p] = g - s * (h + g * tau);
                a[p][r] = a[r][p];
                a[r][q] = h + s * (g - h * tau);
                a[q][r] = a[r][q];
            }
            double g = v[r][p];
            double h = v[r][q];
            v[r][p] = g - s * (h + g * tau);
            v[r][q] = h + s * (g - h * tau);
        }
    }
}
