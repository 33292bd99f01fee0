package io.bayesvlm.core.risk;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A sequential detector of a rise of an error rate above α: an e-detector (Shin, Ramdas and Rinaldo, "E-detectors:
 * a nonparametric framework for sequential change detection", 2023) in its Shiryaev-Roberts form, fed the labels of
 * audited automatic decisions one at a time (1: wrong). It sees the concept drift that label-free statistics cannot:
 * inputs that look as before while the right answer has changed.
 *
 * <p>For a bet b ∈ [0, 1/α], 1 + b (X − α) has expectation at most 1 while P(X = 1) ≤ α, so the product of these
 * factors from any start time is an e-process of "no rise since then". The statistic sums those products over every
 * start time, R_t = (R_{t−1} + 1)(1 + b (X_t − α)), averaged over {@value #BETS} bets b_j = 0.5/α · 2^−j (large bets
 * catch a large rise fast, small ones a modest rise). R_t − t is then a supermartingale while the rate stays at or
 * below α, so the alarm R_t ≥ A comes after A observations or more on average (ARL ≥ A), however long it runs.
 * Once the rate is p > α, the best bet's log-statistic grows by p ln(1 + b(1 − α)) + (1 − p) ln(1 − bα) per label:
 * at α = 2% and p = 30%, about 0.5, so an alarm at A = 1000 needs about 14 labels after the change.
 *
 * <p>State: one number per bet. Not thread-safe.
 */
public final class ChangeDetector implements Serializable {
    private static final long serialVersionUID = 1L;

    static final int BETS = 6;

    private final double alpha;
    private final double alarm;
    private final double[] bets = new double[BETS];
    private final double[] r = new double[BETS];

    /**
     * @param alpha the error rate that is no change (at or below it)
     * @param averageRunLength A: the alarm threshold, and the least mean number of labels between false alarms
     */
    public ChangeDetector(double alpha, double averageRunLength) {
        if (!(alpha > 0 && alpha < 1) || !(averageRunLength > 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1) and the average run length above 1, got "
                    + alpha + ", " + averageRunLength);
        }
        this.alpha = alpha;
        this.alarm = averageRunLength;
        for (int j = 0; j < BETS; j++) {
            bets[j] = 0.5 / alpha * Math.pow(0.5, j);
        }
    }

    /** One label; true when the detector alarms (it then starts over). */
    public boolean observe(boolean wrong) {
        double x = wrong ? 1 : 0;
        double mean = 0;
        for (int j = 0; j < BETS; j++) {
            r[j] = (r[j] + 1) * (1 + bets[j] * (x - alpha));
            mean += r[j] / BETS;
        }
        if (mean >= alarm) {
            reset();
            return true;
        }
        return false;
    }

    /** The statistic R_t (0 at the start). */
    public double statistic() {
        return Arrays.stream(r).average().orElse(0);
    }

    public void reset() {
        Arrays.fill(r, 0);
    }

    /** The checkpointed state. */
    public double[] state() {
        return r.clone();
    }

    public void restore(double[] state) {
        if (state.length != BETS) {
            throw new IllegalArgumentException("state of " + state.length + " bets, expected " + BETS);
        }
        System.arraycopy(state, 0, r, 0, BETS);
    }
}
