package io.bayesvlm.core.risk;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The most permissive confidence threshold whose error rate among automatically decided items is, with probability
 * at least 1 − δ, at most α: Learn-then-Test (Angelopoulos, Bates, Candès, Jordan, Lei, "Learn then Test:
 * Calibrating Predictive Algorithms to Achieve Risk Control", 2021) with fixed-sequence testing and exact binomial
 * (Clopper–Pearson) p-values.
 *
 * <p>Items with confidence ≥ λ are decided automatically; the risk is R(λ) = P(wrong | confidence ≥ λ) for items
 * exchangeable with the labelled ones. For each λ of a grid ordered from the strictest to the most permissive, the
 * null hypothesis H_λ: R(λ) > α is tested with p_λ = P(Binomial(n_λ, α) ≤ k_λ), n_λ labelled items at or above λ of
 * which k_λ are wrong; testing stops at the first λ not rejected at level δ. Fixed-sequence testing needs no
 * multiplicity correction: the chance that any accepted λ has R(λ) > α is at most δ, so the chosen (last rejected)
 * λ̂ satisfies P(R(λ̂) > α) ≤ δ. Thresholds holding fewer labels than could ever reject ({@link #minLabels}) are
 * skipped before the sequence starts. If the first tested λ is not rejected, nothing is vouched for: every item goes to
 * review (the threshold is +∞), the conservative start until enough labels exist.
 *
 * <p><b>Unequal labelling probabilities.</b> Labels come from review (every routed item, propensity 1) and a random
 * audit (a known fraction of the automatic ones), so the labelled items at or above λ are not a simple random sample
 * of the items at or above λ. They are made one: each labelled item is kept with probability π_min / π_i (a seeded
 * draw per item key), so every kept item entered with probability exactly π_min, independently of its score and
 * outcome, and the binomial model above is exact. The price is the reviewed labels thinned to the audit rate; the
 * gain is a finite-sample guarantee without approximations.
 */
public final class RiskControlledThreshold {

    /** A labelled item: its confidence (higher = surer), whether the decision was wrong, its labelling propensity. */
    public record Item(double confidence, boolean wrong, double propensity, long key) {}

    /**
     * @param threshold auto-decide at or above it; {@code +∞}: nothing is vouched for, review everything
     * @param upperBound the (1 − δ) Clopper–Pearson upper bound of the error rate at the threshold (NaN if none)
     * @param labels labels at or above the threshold after thinning, and {@code errors} among them
     * @param thinnedLabels labelled items kept after equalising propensities, of {@code labelledItems}
     */
    public record Result(
            double threshold, double upperBound, int labels, int errors, int thinnedLabels, int labelledItems) {
        public boolean vouches() {
            return threshold != Double.POSITIVE_INFINITY;
        }
    }

    private RiskControlledThreshold() {}

    /**
     * @param items labelled items
     * @param grid candidate thresholds (any order; tested from the highest down)
     * @param alpha the error rate to guarantee among automatic decisions
     * @param delta the probability that the guarantee may fail
     * @param minPropensity the smallest labelling propensity of the design (the audit fraction), in (0, 1]
     * @param seed of the thinning draws
     */
    public static Result choose(
            List<Item> items, double[] grid, double alpha, double delta, double minPropensity, long seed) {
        if (!(alpha > 0 && alpha < 1) || !(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("alpha and delta must be in (0, 1), got " + alpha + ", " + delta);
        }
        if (!(minPropensity > 0 && minPropensity <= 1)) {
            throw new IllegalArgumentException("minPropensity must be in (0, 1], got " + minPropensity);
        }
        List<Item> kept = new ArrayList<>();
        for (Item it : items) {
            if (!(it.propensity() >= minPropensity && it.propensity() <= 1) || !Double.isFinite(it.confidence())) {
                continue; // outside the design: cannot be re-weighted exactly
            }
            double u = new SplittableRandom(seed ^ (it.key() * 0x9E3779B97F4A7C15L)).nextDouble();
            if (u < minPropensity / it.propensity()) {
                kept.add(it);
            }
        }
        double[] sorted = grid.clone();
        java.util.Arrays.sort(sorted);
        int minLabels = minLabels(alpha, delta);
        Result chosen = new Result(Double.POSITIVE_INFINITY, Double.NaN, 0, 0, kept.size(), items.size());
        for (int g = sorted.length - 1; g >= 0; g--) {
            double lambda = sorted[g];
            int n = 0;
            int k = 0;
            for (Item it : kept) {
                if (it.confidence() >= lambda) {
                    n++;
                    if (it.wrong()) {
                        k++;
                    }
                }
            }
            if (n < minLabels) {
                continue; // too few labels to ever reject here: not a test, the sequence starts further down
            }
            if (binomialCdf(k, n, alpha) > delta) {
                break; // H_λ not rejected: stop, keep the last vouched-for threshold
            }
            chosen = new Result(lambda, clopperPearsonUpper(k, n, delta), n, k, kept.size(), items.size());
        }
        return chosen;
    }

    /**
     * The fewest labels with which H_λ can be rejected at all (zero errors): (1 − α)^n ≤ δ. The strictest thresholds
     * hold few items; testing them first would end the sequence on a lack of data, not on a lack of accuracy. They
     * are passed over, on their label counts alone (which do not depend on the outcomes).
     */
    public static int minLabels(double alpha, double delta) {
        return (int) Math.ceil(Math.log(delta) / Math.log1p(-alpha));
    }

    /** P(Binomial(n, p) ≤ k), summed in log space (no underflow for large n). */
    public static double binomialCdf(int k, int n, double p) {
        if (k >= n) {
            return 1;
        }
        if (p <= 0) {
            return 1;
        }
        if (p >= 1) {
            return 0;
        }
        double logTerm = n * Math.log1p(-p); // j = 0
        double logRatio = Math.log(p) - Math.log1p(-p);
        double max = logTerm;
        double[] logs = new double[k + 1];
        logs[0] = logTerm;
        for (int j = 0; j < k; j++) {
            logTerm += Math.log((double) (n - j) / (j + 1)) + logRatio;
            logs[j + 1] = logTerm;
            max = Math.max(max, logTerm);
        }
        double s = 0;
        for (double l : logs) {
            s += Math.exp(l - max);
        }
        return Math.min(1, Math.exp(max + Math.log(s)));
    }

    /** The one-sided (1 − δ) Clopper–Pearson upper bound: the p with P(Binomial(n, p) ≤ k) = δ. */
    public static double clopperPearsonUpper(int k, int n, double delta) {
        if (k >= n) {
            return 1;
        }
        double lo = (double) k / n;
        double hi = 1;
        for (int i = 0; i < 100; i++) {
            double mid = 0.5 * (lo + hi);
            if (binomialCdf(k, n, mid) > delta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }
}
