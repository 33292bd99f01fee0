package io.bayesvlm.core.metrics;

import io.bayesvlm.core.head.Uncertainty;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Calibration of the whole stream estimated from the labelled part of it, when labels are not a random sample:
 * every routed item is labelled (propensity 1) but only a known random fraction of the automatic ones (the audit
 * fraction). The plain average over labelled items describes mostly the uncertain items; weighting each labelled
 * item by 1/propensity (inverse-propensity weighting) estimates the population instead.
 *
 * <p>Estimators, with w_i = 1/π_i over the labelled items:
 * <ul>
 *   <li>with the population size N known (every decision of the window counted): Horvitz–Thompson,
 *       mean = Σ w_i x_i / N, exactly unbiased;</li>
 *   <li>otherwise Hájek, mean = Σ w_i x_i / Σ w_i (a ratio estimator: bias of order 1/n);</li>
 *   <li>accuracy, NLL, Brier: those means of correct, −ln p_y and Σ_c (p_c − [c = y])²; their 95% intervals from
 *       the design variance of independent (Poisson) labelling, Σ (1 − π_i) w_i² e_i² / W², with e_i = x_i for
 *       Horvitz–Thompson (W = N) and e_i = x_i − mean for Hájek (W = Σ w_i, linearised), normal approximation.
 *       Items labelled for sure (π = 1) add no sampling variance;</li>
 *   <li>ECE and the reliability bins: as {@link Calibration} with weighted counts; its interval from a seeded
 *       bootstrap of the labelled items (percentiles 2.5 and 97.5);</li>
 *   <li>effective sample size (Σ w)² / Σ w² (Kish): how many unweighted labels the estimate is worth.</li>
 * </ul>
 */
public final class WeightedCalibration {

    /** An estimate with a 95% confidence interval. */
    public record Estimate(double value, double lower, double upper) {}

    /**
     * @param labelled labelled items used
     * @param population N if known, else the estimate Σ w
     * @param effectiveSampleSize Kish's (Σ w)² / Σ w²
     * @param skipped labelled items left out (non-finite probabilities, or a propensity outside (0, 1])
     */
    public record Report(
            long labelled,
            double population,
            double effectiveSampleSize,
            Estimate accuracy,
            Estimate nll,
            Estimate brier,
            Estimate ece,
            List<Calibration.Bin> bins,
            long skipped) {}

    private static final double Z95 = 1.959963984540054;

    private WeightedCalibration() {}

    /**
     * @param probs probability vectors of the labelled items
     * @param labels their labels
     * @param propensity each item's probability of having been labelled, in (0, 1]
     * @param population the number of items the labelled ones were drawn from (Horvitz–Thompson), or 0 if unknown
     *     (Hájek)
     * @param bins equal-width bins for ECE
     * @param bootstrap bootstrap resamples for the ECE interval (0: no interval)
     * @param seed of the bootstrap
     */
    public static Report evaluate(
            List<double[]> probs,
            int[] labels,
            double[] propensity,
            long population,
            int bins,
            int bootstrap,
            long seed) {
        if (probs.size() != labels.length || labels.length != propensity.length) {
            throw new IllegalArgumentException(probs.size() + " predictions, " + labels.length + " labels, "
                    + propensity.length + " propensities");
        }
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (Calibration.allFinite(probs.get(i)) && propensity[i] > 0 && propensity[i] <= 1) {
                kept.add(i);
            }
        }
        int n = kept.size();
        double[] w = new double[n];
        double[] correct = new double[n];
        double[] nll = new double[n];
        double[] brier = new double[n];
        double[] conf = new double[n];
        double sumW = 0;
        double sumW2 = 0;
        for (int j = 0; j < n; j++) {
            int i = kept.get(j);
            double[] p = probs.get(i);
            int top = Uncertainty.argmax(p);
            w[j] = 1 / propensity[i];
            sumW += w[j];
            sumW2 += w[j] * w[j];
            conf[j] = p[top];
            correct[j] = top == labels[i] ? 1 : 0;
            nll[j] = Calibration.nll(p, labels[i]);
            brier[j] = Calibration.brier(p, labels[i]);
        }
        double total = population > 0 ? population : sumW;
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1);
        ReliabilityBins binned = binned(conf, correct, w, ones, bins);
        Estimate ece = new Estimate(binned.ece(), Double.NaN, Double.NaN);
        if (bootstrap > 0 && n > 0) {
            double[] eces = new double[bootstrap];
            SplittableRandom rng = new SplittableRandom(seed);
            for (int r = 0; r < bootstrap; r++) {
                double[] count = new double[n]; // multiplicity of each item in the resample
                for (int k = 0; k < n; k++) {
                    count[rng.nextInt(n)]++;
                }
                eces[r] = binned(conf, correct, w, count, bins).ece();
            }
            java.util.Arrays.sort(eces);
            ece = new Estimate(
                    binned.ece(),
                    eces[(int) Math.floor(0.025 * (bootstrap - 1))],
                    eces[(int) Math.ceil(0.975 * (bootstrap - 1))]);
        }
        boolean ht = population > 0;
        return new Report(
                n,
                total,
                n == 0 ? 0 : sumW * sumW / sumW2,
                mean(correct, w, total, ht),
                mean(nll, w, total, ht),
                mean(brier, w, total, ht),
                ece,
                binned.bins(),
                labels.length - n);
    }

    /** Σ w x / total with its 95% interval (Horvitz–Thompson or linearised Hájek variance, see the class comment). */
    static Estimate mean(double[] x, double[] w, double total, boolean horvitzThompson) {
        if (x.length == 0) {
            return new Estimate(Double.NaN, Double.NaN, Double.NaN);
        }
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += w[i] * x[i];
        }
        double m = s / total;
        double v = 0;
        for (int i = 0; i < x.length; i++) {
            double e = horvitzThompson ? x[i] : x[i] - m;
            v += (1 - 1 / w[i]) * w[i] * w[i] * e * e;
        }
        double se = Math.sqrt(v) / total;
        return new Estimate(m, m - Z95 * se, m + Z95 * se);
    }

    /** Weighted equal-width bins; {@code mult} repeats items (1 each, or bootstrap multiplicities). */
    private static ReliabilityBins binned(double[] conf, double[] correct, double[] w, double[] mult, int bins) {
        ReliabilityBins out = new ReliabilityBins(bins);
        for (int i = 0; i < conf.length; i++) {
            out.add(conf[i], correct[i] == 1, w[i] * mult[i]);
        }
        return out;
    }
}
