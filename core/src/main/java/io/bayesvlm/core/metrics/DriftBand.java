package io.bayesvlm.core.metrics;

/**
 * A label-free drift check: is a window's mean of a per-item statistic (the model's confidence, the logit std of its
 * predicted class, the mutual information, whether the item was routed to review) beyond the band of a reference
 * period? z = (mean_w − mean_ref) / sqrt(s²_w / n_w + s²_ref / n_ref), the two-sample statistic with each side's
 * sample variance; the band is |z| ≤ a threshold. Under no drift and independent items, z is approximately standard
 * normal, so a threshold of 5 raises a false warning about once in 1.7 million windows per statistic; a shift that
 * moves the mean by d item standard deviations is seen in a window of n items once d·√n exceeds the threshold.
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
     * The two-sample z of a window against the reference; 0 when both means are equal and neither side varies
     * (a constant statistic), ±∞ when they differ without variation, NaN below two items on either side.
     */
    public static double z(Moments window, Moments reference) {
        if (window.n() < 2 || reference.n() < 2) {
            return Double.NaN;
        }
        double diff = window.mean() - reference.mean();
        double se = Math.sqrt(window.variance() / window.n() + reference.variance() / reference.n());
        if (se == 0) {
            return diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
        }
        return diff / se;
    }
}
