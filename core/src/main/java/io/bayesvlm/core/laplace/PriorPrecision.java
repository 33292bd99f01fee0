package io.bayesvlm.core.laplace;

/**
 * Chooses the prior precision λ of a KFAC Laplace posterior by maximising the log marginal likelihood
 * <pre>
 *   f(λ) = −½ λ‖W‖² + ½ P log λ − ½ ( q · logdet(√n A + √λ I) + p · logdet(√n B + √λ I) )
 * </pre>
 * for A p × p, B q × q, P = p·q. The Kronecker identity logdet(A' ⊗ B') = q·logdet A' + p·logdet B' puts q
 * on A and p on B; the BayesVLM authors' code has them the other way round, which is only equal when p = q.
 *
 * <p>With the eigenvalues of A and B computed once, f costs O(p + q), so it is maximised over log λ by a
 * dense grid scan (robust to several local optima) refined with golden-section search. λ is kept where
 * √n β_min + √λ > 0, so a slightly indefinite B (float32 rounding) is absorbed by the prior.
 */
public final class PriorPrecision {

    private static final double LOG_MIN = Math.log(1e-12);
    private static final double LOG_MAX = Math.log(1e16);
    private static final int GRID = 600;

    private PriorPrecision() {}

    /** The objective f(λ). */
    public static double logMarginal(double lambda, double[] eigA, double[] eigB, double n, double weightNormSq) {
        int p = eigA.length;
        int q = eigB.length;
        double sn = Math.sqrt(n);
        double sl = Math.sqrt(lambda);
        double logdetA = 0;
        for (double alpha : eigA) {
            logdetA += Math.log(sn * alpha + sl);
        }
        double logdetB = 0;
        for (double beta : eigB) {
            logdetB += Math.log(sn * beta + sl);
        }
        return -0.5 * lambda * weightNormSq
                + 0.5 * (double) p * q * Math.log(lambda)
                - 0.5 * (q * logdetA + p * logdetB);
    }

    /** df/dλ, analytically. */
    public static double derivative(double lambda, double[] eigA, double[] eigB, double n, double weightNormSq) {
        int p = eigA.length;
        int q = eigB.length;
        double sn = Math.sqrt(n);
        double sl = Math.sqrt(lambda);
        double sa = 0;
        for (double alpha : eigA) {
            sa += 1 / (sn * alpha + sl);
        }
        double sb = 0;
        for (double beta : eigB) {
            sb += 1 / (sn * beta + sl);
        }
        return -0.5 * weightNormSq + 0.5 * (double) p * q / lambda - (q * sa + p * sb) / (4 * sl);
    }

    /** The λ that maximises {@link #logMarginal}. */
    public static double optimise(double[] eigA, double[] eigB, double n, double weightNormSq) {
        if (!(n > 0)) {
            throw new IllegalArgumentException("pseudo-count n must be positive, got " + n);
        }
        double minEig = Double.POSITIVE_INFINITY;
        for (double v : eigA) {
            minEig = Math.min(minEig, v);
        }
        for (double v : eigB) {
            minEig = Math.min(minEig, v);
        }
        double lo = LOG_MIN;
        if (minEig < 0) {
            // need √λ > −√n·minEig, i.e. λ > n·minEig²; stay a little above that boundary
            lo = Math.max(lo, Math.log(n * minEig * minEig) + 1e-6);
        }
        double hi = Math.max(LOG_MAX, lo + 1);
        double bestT = lo;
        double best = Double.NEGATIVE_INFINITY;
        double step = (hi - lo) / GRID;
        for (int i = 0; i <= GRID; i++) {
            double t = lo + i * step;
            double f = logMarginal(Math.exp(t), eigA, eigB, n, weightNormSq);
            if (f > best) {
                best = f;
                bestT = t;
            }
        }
        double a = Math.max(lo, bestT - step);
        double b = Math.min(hi, bestT + step);
        return Math.exp(goldenSection(a, b, t -> logMarginal(Math.exp(t), eigA, eigB, n, weightNormSq)));
    }

    /** Maximiser of a unimodal function on [a, b]. */
    static double goldenSection(double a, double b, java.util.function.DoubleUnaryOperator f) {
        double r = (Math.sqrt(5) - 1) / 2;
        double c = b - r * (b - a);
        double d = a + r * (b - a);
        double fc = f.applyAsDouble(c);
        double fd = f.applyAsDouble(d);
        for (int i = 0; i < 200 && b - a > 1e-12; i++) {
            if (fc > fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - r * (b - a);
                fc = f.applyAsDouble(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + r * (b - a);
                fd = f.applyAsDouble(d);
            }
        }
        return (a + b) / 2;
    }
}
