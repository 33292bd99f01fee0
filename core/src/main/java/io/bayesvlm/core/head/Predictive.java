package io.bayesvlm.core.head;

import java.util.SplittableRandom;

/**
 * Turns Gaussian logits (mean μ_c, variance v_c per class, independent across classes) into predictive
 * class probabilities, and holds the fixed standard-normal draws used by the Monte Carlo estimates.
 *
 * <p>The draws are made once from the seed, so every image is scored with the same ε (common random
 * numbers): results are reproducible and do not depend on how images are batched or replayed.
 * Immutable and thread-safe.
 */
public final class Predictive {

    /** How the predictive distribution is computed. */
    public enum Mode {
        /** softmax(μ_c / sqrt(1 + π v_c / 8)): the probit approximation, deterministic and cheap. */
        PROBIT,
        /** Average of softmax(μ + sqrt(v) ⊙ ε) over the Monte Carlo draws. */
        MC
    }

    public static final int DEFAULT_MC_SAMPLES = 256;
    public static final long DEFAULT_SEED = 0L;

    private final Mode mode;
    private final long seed;
    private final double[][] eps; // [samples][classes]

    public Predictive(Mode mode, int mcSamples, long seed, int numClasses) {
        if (mcSamples < 1) {
            throw new IllegalArgumentException("mc-samples must be at least 1, got " + mcSamples);
        }
        this.mode = mode;
        this.seed = seed;
        SplittableRandom rng = new SplittableRandom(seed);
        eps = new double[mcSamples][numClasses];
        for (double[] row : eps) {
            for (int c = 0; c < numClasses; c++) {
                row[c] = rng.nextGaussian();
            }
        }
    }

    public Mode mode() {
        return mode;
    }

    public int mcSamples() {
        return eps.length;
    }

    public int numClasses() {
        return eps[0].length;
    }

    /** The fixed draws ε, [samples][classes] (for BatchedHead; not to be modified). */
    double[][] draws() {
        return eps;
    }

    public long seed() {
        return seed;
    }

    /** Predictive probabilities under the configured mode. */
    public double[] probabilities(double[] mean, double[] var) {
        return mode == Mode.PROBIT ? probit(mean, var) : monteCarlo(mean, var).meanProbs();
    }

    /** softmax(z), computed stably. */
    public static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** softmax(μ_c / sqrt(1 + π v_c / 8)). */
    public static double[] probit(double[] mean, double[] var) {
        double[] z = new double[mean.length];
        for (int c = 0; c < mean.length; c++) {
            z[c] = mean[c] / Math.sqrt(1 + Math.PI * var[c] / 8);
        }
        return softmax(z);
    }

    /** Result of a Monte Carlo pass: E[p] over draws and E[H[p]] (for the mutual information). */
    public record McResult(double[] meanProbs, double meanEntropy) {}

    /**
     * Averages softmax(μ + sqrt(v) ⊙ ε) and its entropy over the fixed draws. This runs for every image (for the
     * mutual information), so it works in place: with z shifted by its maximum and Z = Σ exp(z), the entropy of
     * softmax(z) is ln Z − Σ p_c z_c, one logarithm per draw instead of one per class.
     */
    public McResult monteCarlo(double[] mean, double[] var) {
        int k = mean.length;
        if (eps[0].length != k) {
            throw new IllegalArgumentException("predictive was built for " + eps[0].length + " classes, got " + k);
        }
        double[] std = new double[k];
        for (int c = 0; c < k; c++) {
            std[c] = Math.sqrt(var[c]);
        }
        double[] acc = new double[k];
        double[] z = new double[k];
        double entropy = 0;
        for (double[] e : eps) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                z[c] = mean[c] + std[c] * e[c];
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            double weighted = 0;
            for (int c = 0; c < k; c++) {
                double shifted = z[c] - max;
                double w = Math.exp(shifted);
                sum += w;
                weighted += w * shifted;
                z[c] = w;
            }
            entropy += Math.log(sum) - weighted / sum;
            for (int c = 0; c < k; c++) {
                acc[c] += z[c] / sum;
            }
        }
        for (int c = 0; c < k; c++) {
            acc[c] /= eps.length;
        }
        return new McResult(acc, entropy / eps.length);
    }

    /** Shannon entropy in nats, −Σ p log p with 0 log 0 = 0; NaN if any entry is NaN (never a confident-looking 0). */
    public static double entropy(double[] p) {
        double h = 0;
        for (double v : p) {
            if (Double.isNaN(v)) {
                return Double.NaN;
            }
            if (v > 0) {
                h -= v * Math.log(v);
            }
        }
        return h;
    }
}
