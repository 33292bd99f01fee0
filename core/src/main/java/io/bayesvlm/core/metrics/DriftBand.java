package io.bayesvlm.core.metrics;

/**
 * A label-free drift check: is a window's mean of a per-item statistic (the model's confidence, the logit std of its
 * predicted class, the mutual information) beyond the band of a reference period?
 *
 * <p>Real traffic is not independent items: window means also vary from window to window (time of day, a burst of
 * one uploader), by a between-window variance τ² that does not shrink with the window's size. The statistic is
 * therefore the random-effects one: with r reference windows of means m_i, sample variances s²_i and sizes n_i,
 * <pre>
 *   τ̂² = max(0, var(m_1 … m_r) − mean(s²_i / n_i))            (method of moments)
 *   z  = (m_w − m_ref) / sqrt(s²_w / n_w + s²_ref / n_ref + τ̂² (1 + 1/r))
 * </pre>
 * where m_ref, s²_ref, n_ref pool the reference windows. Without between-window variation τ̂² ≈ 0 and z is the plain
 * two-sample statistic (approximately standard normal: a threshold of 5 raises a false warning about once in 1.7
 * million windows per statistic). With it, the plain statistic's variance is 1 + nτ²/σ² (6,000 items per window
 * and τ = 0.05σ: about 16, a false warning in about one window in five); this one stays near 1, with tails like
 * Student's t with r − 1 degrees of freedom when τ² dominates (r = 5, threshold 5: about 0.7%; r = 10: below 0.1%).
 * A shift that moves the mean by d item standard deviations is seen once d exceeds the threshold times the
 * standard error above.
 */
public final class DriftBand {

    private DriftBand() {}

    /** Count, sum and sum of squares of one statistic. */
    public record Moments(long n, double sum, double sumSq) {
        public static final Moments EMPTY = new Moments(0, 0, 0);

        public Moments add(double x) {
            return new Moments(n + 1, sum + x, sumSq + x * x);
        }

        public Moments plus(Moments o) {
            return new Moments(n + o.n, sum + o.sum, sumSq + o.sumSq);
        }

        public double mean() {
            return n == 0 ? Double.NaN : sum / n;
        }

        /** Sample variance (n − 1 in the denominator); NaN below two items. */
        public double variance() {
            if (n < 2) {
                return Double.NaN;
            }
            return Math.max(0, (sumSq - sum * sum / n) / (n - 1));
        }
    }

    /**
     * The random-effects z of a window against reference windows (see the class comment); NaN below two reference
     * windows, or below two items in the window or the pooled reference.
     */
    public static double z(Moments window, java.util.List<Moments> referenceWindows) {
        int r = referenceWindows.size();
        if (r < 2) {
            return Double.NaN;
        }
        Moments pooled = Moments.EMPTY;
        double sumMeans = 0;
        double sumMeansSq = 0;
        double within = 0;
        for (Moments m : referenceWindows) {
            if (m.n() < 2) {
                return Double.NaN;
            }
            pooled = pooled.plus(m);
            sumMeans += m.mean();
            sumMeansSq += m.mean() * m.mean();
            within += m.variance() / m.n();
        }
        double between = Math.max(0, (sumMeansSq - sumMeans * sumMeans / r) / (r - 1));
        double tau2 = Math.max(0, between - within / r);
        return z(window, pooled, tau2 * (1 + 1.0 / r));
    }

    /**
     * The two-sample z of a window against the reference; 0 when both means are equal and neither side varies
     * (a constant statistic), ±∞ when they differ without variation, NaN below two items on either side.
     */
    public static double z(Moments window, Moments reference) {
        return z(window, reference, 0);
    }

    /** The two-sample z with an extra variance of the difference (the between-window part). */
    static double z(Moments window, Moments reference, double extraVariance) {
        if (window.n() < 2 || reference.n() < 2) {
            return Double.NaN;
        }
        double diff = window.mean() - reference.mean();
        double se = Math.sqrt(window.variance() / window.n() + reference.variance() / reference.n() + extraVariance);
        if (se == 0) {
            return diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
        }
        return diff / se;
    }
}
