package io.bayesvlm.core.laplace;

/**
 * Turns raw KFAC factors into posterior factors for a given pseudo-count n:
 * A_inv = (√n·A + √λ·I)⁻¹, B_inv = (√n·B + √λ·I)⁻¹, with λ from {@link PriorPrecision}. Each factor is
 * symmetrised and eigendecomposed once; the inverse is V diag(1/(√n·α + √λ)) Vᵀ from the same decomposition,
 * so it is exactly symmetric and positive definite whenever the objective is defined.
 */
public final class KfacPosterior {

    private final Eigen eigA;
    private final Eigen eigB;
    private final double weightNormSq;

    /** The result for one n: λ, the posterior factors (row-major) and the objective at λ. */
    public record Result(double pseudoCount, double priorPrecision, double[] aInv, double[] bInv, double logMarginal) {}

    /**
     * @param raw factors divided by √N
     * @param weightNormSq ‖W‖² of the MAP projection (Frobenius)
     */
    public KfacPosterior(KfacFactors raw, double weightNormSq) {
        this.eigA = Eigen.of(raw.a(), raw.p());
        this.eigB = Eigen.of(raw.b(), raw.q());
        this.weightNormSq = weightNormSq;
    }

    /** Posterior factors for pseudo-count n with λ maximising the marginal likelihood. */
    public Result forPseudoCount(double n) {
        double lambda = PriorPrecision.optimise(eigA.values, eigB.values, n, weightNormSq);
        return forPseudoCount(n, lambda);
    }

    /** Posterior factors for a given n and λ. */
    public Result forPseudoCount(double n, double lambda) {
        double sn = Math.sqrt(n);
        double sl = Math.sqrt(lambda);
        return new Result(
                n,
                lambda,
                eigA.inverse(sn, sl),
                eigB.inverse(sn, sl),
                PriorPrecision.logMarginal(lambda, eigA.values, eigB.values, n, weightNormSq));
    }

    private record Eigen(double[] values, double[][] vectors) {
        static Eigen of(double[] m, int n) {
            SymmetricEigen e = SymmetricEigen.of(m, n);
            double[][] vectors = new double[n][];
            for (int k = 0; k < n; k++) {
                vectors[k] = e.vector(k);
            }
            return new Eigen(e.values(), vectors);
        }

        /** (√n·M + √λ·I)⁻¹ = Σ_k v_k v_kᵀ / (√n·μ_k + √λ). */
        double[] inverse(double sn, double sl) {
            int n = values.length;
            double[] out = new double[n * n];
            for (int k = 0; k < n; k++) {
                double w = 1 / (sn * values[k] + sl);
                double[] v = vectors[k];
                for (int i = 0; i < n; i++) {
                    double wi = w * v[i];
                    for (int j = 0; j < n; j++) {
                        out[i * n + j] += wi * v[j];
                    }
                }
            }
            return out;
        }
    }
}
