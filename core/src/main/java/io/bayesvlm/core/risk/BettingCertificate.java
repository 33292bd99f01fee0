package io.bayesvlm.core.risk;

import java.io.Serializable;
import java.util.Arrays;

/**
 * An anytime-valid certificate for the most permissive confidence threshold whose error rate among automatically
 * decided items is at most α: a betting test per threshold of a fixed grid (Waudby-Smith and Ramdas, "Estimating
 * means of bounded random variables by betting", JRSS B 2024), fed one design label at a time and pooled over the
 * whole stream instead of one window.
 *
 * <p>For a threshold λ, every label of an item with confidence ≥ λ is an observation X ∈ {0, 1} (1: the decision
 * was wrong) of the risk R(λ) = P(wrong | confidence ≥ λ), provided the labelled items are a random sample of the
 * stream (the caller thins them to one labelling probability, as {@link RiskControlledThreshold} does). The null
 * H_λ: R(λ) ≥ α is tested with the capital K_t(λ) = Π (1 + b_i (α − X_i)), a nonnegative supermartingale under
 * H_λ for any bet b_i ∈ [0, 1/(1 − α)] fixed before X_i is seen, and so is an average of such capitals; by Ville's
 * inequality P(sup_t K_t ≥ 1/δ) ≤ δ, at every time at once. The capital here is the average over
 * {@value #BETS} constant bets b_j = {@value #BET_CAP}/(1 − α) · 2^−j, j = 0 … 7: for 0/1 observations it depends on
 * the counts only, K_t = mean_j (1 + b_j α)^(labels − errors) (1 − b_j (1 − α))^errors, so it needs no plug-in
 * estimate that an early error could derail, and it is within a factor {@value #BETS} of the best constant bet in
 * hindsight (large bets win when errors are rare, small ones when the risk is close to α). The largest bet loses at
 * most 3/4 of its capital to one wrong decision.
 *
 * <p>The grid is tested in a fixed sequence from the strictest threshold down: λ is certified once its capital and
 * that of every stricter grid point have reached 1/δ at some time, and stays certified (a rejection by an
 * anytime-valid test stands). The first false null in the sequence is rejected with probability at most δ, so the
 * certified threshold satisfies R(λ̂_t) < α for all t simultaneously with probability at least 1 − δ (under
 * stationarity; drift is the job's drift gate's to catch). Until the strictest point is certified the threshold is
 * +∞: everything is reviewed. With all-correct labels the strictest point needs about ln(1/δ)/ln(1 + 0.75α/(1−α))
 * labels (197 at α = 2%, δ = 5%), against 149 for one window's exact binomial test: the price of validity at every
 * time over a stream that pools every window.
 *
 * <p>State: three counts per grid point ({@link #state}, {@link #restore}), so a job checkpoints it as operator
 * state. Not thread-safe.
 */
public final class BettingCertificate implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The largest bet as a share of the largest safe one, 1/(1 − α). */
    public static final double BET_CAP = 0.75;
    /** Constant bets averaged. */
    public static final int BETS = 8;

    private final double[] grid; // ascending
    private final double logThreshold;
    // ln(1 + b_j α) and ln(1 − b_j (1 − α)) of each bet
    private final double[] logWin = new double[BETS];
    private final double[] logLoss = new double[BETS];
    // per grid point: labels, errors among them, whether the null has been rejected (at some time)
    private final long[] n;
    private final long[] errors;
    private final boolean[] rejected;

    /**
     * @param grid candidate confidence thresholds (any order)
     * @param alpha the error rate among automatic decisions to guarantee, in (0, 1)
     * @param delta the probability that the guarantee fails at any time, in (0, 1)
     */
    public BettingCertificate(double[] grid, double alpha, double delta) {
        if (!(alpha > 0 && alpha < 1) || !(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("alpha and delta must be in (0, 1), got " + alpha + ", " + delta);
        }
        if (grid.length == 0) {
            throw new IllegalArgumentException("the grid is empty");
        }
        this.grid = grid.clone();
        Arrays.sort(this.grid);
        this.logThreshold = Math.log(1 / delta);
        for (int j = 0; j < BETS; j++) {
            double bet = BET_CAP / (1 - alpha) * Math.pow(0.5, j);
            logWin[j] = Math.log1p(bet * alpha);
            logLoss[j] = Math.log1p(-bet * (1 - alpha));
        }
        n = new long[grid.length];
        errors = new long[grid.length];
        rejected = new boolean[grid.length];
    }

    /** One design label: the item's confidence (higher = surer) and whether its decision was wrong. */
    public void observe(double confidence, boolean wrong) {
        if (!Double.isFinite(confidence)) {
            return;
        }
        for (int g = 0; g < grid.length && grid[g] <= confidence; g++) {
            n[g]++;
            if (wrong) {
                errors[g]++;
            }
            // the capital can only cross the threshold on a correct decision, and the average is at most the best bet
            if (!wrong && !rejected[g] && bestLogCapital(g) >= logThreshold && logCapital(g) >= logThreshold) {
                rejected[g] = true;
            }
        }
    }

    /** ln of the best single bet's capital: an upper bound of {@link #logCapital}. */
    private double bestLogCapital(int g) {
        long zeros = n[g] - errors[g];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < BETS; j++) {
            max = Math.max(max, zeros * logWin[j] + errors[g] * logLoss[j]);
        }
        return max;
    }

    /** ln K of a grid point: the log of the average over the bets (log-sum-exp). */
    private double logCapital(int g) {
        long zeros = n[g] - errors[g];
        double max = Double.NEGATIVE_INFINITY;
        double[] terms = new double[BETS];
        for (int j = 0; j < BETS; j++) {
            terms[j] = zeros * logWin[j] + errors[g] * logLoss[j];
            max = Math.max(max, terms[j]);
        }
        double sum = 0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return max + Math.log(sum / BETS);
    }

    /** The certified threshold: the lowest grid point of the longest certified run from the top; +∞ if none. */
    public double threshold() {
        double t = Double.POSITIVE_INFINITY;
        for (int g = grid.length - 1; g >= 0 && rejected[g]; g--) {
            t = grid[g];
        }
        return t;
    }

    /** The capital of a grid point's test (1 at the start); the certificate holds once it has reached 1/δ. */
    public double capital(int gridIndex) {
        return Math.exp(logCapital(gridIndex));
    }

    /** Labels observed at or above a grid point. */
    public long labels(int gridIndex) {
        return n[gridIndex];
    }

    public double[] grid() {
        return grid.clone();
    }

    /** The state to checkpoint: [labels, errors, rejected] per grid point. */
    public long[] state() {
        long[] s = new long[3 * grid.length];
        for (int g = 0; g < grid.length; g++) {
            s[3 * g] = n[g];
            s[3 * g + 1] = errors[g];
            s[3 * g + 2] = rejected[g] ? 1 : 0;
        }
        return s;
    }

    /** Restores {@link #state()} of a certificate over the same grid. */
    public void restore(long[] s) {
        if (s.length != 3 * grid.length) {
            throw new IllegalArgumentException(
                    "state for " + s.length / 3 + " grid points, this grid has " + grid.length);
        }
        for (int g = 0; g < grid.length; g++) {
            n[g] = s[3 * g];
            errors[g] = s[3 * g + 1];
            rejected[g] = s[3 * g + 2] != 0;
        }
    }
}
