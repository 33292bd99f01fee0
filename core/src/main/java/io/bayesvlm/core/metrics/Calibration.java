package io.bayesvlm.core.metrics;

import io.bayesvlm.core.head.Uncertainty;
import java.util.Arrays;
import java.util.List;

/**
 * Calibration and accuracy of probabilistic predictions against labels. The single implementation used by
 * {@code bayesvlm evaluate} and by the streaming job's rolling monitors, so their numbers agree by
 * construction. Definitions (docs/metrics.md):
 * <ul>
 *   <li>confidence = the largest predicted probability; correct = its class equals the label;</li>
 *   <li>ECE = Σ_b (n_b / N)·|acc_b − conf_b| over equal-width bins [lo, hi) on [0, 1], confidence 1.0 in the
 *       last bin; MCE = max_b |acc_b − conf_b| over non-empty bins;</li>
 *   <li>adaptive ECE: the same sum over equal-mass bins (sorted by confidence, bin i holds items
 *       ⌊iN/B⌋ … ⌊(i+1)N/B⌋ − 1);</li>
 *   <li>NLL = mean −ln p_label (p clamped at 1e-12); Brier = mean Σ_c (p_c − [c = label])².</li>
 * </ul>
 */
public final class Calibration {

    public static final int DEFAULT_BINS = 15;
    static final double MIN_PROB = 1e-12;

    /** One reliability-diagram bin: [lo, hi), how many items, their accuracy and mean confidence. */
    public record Bin(double lo, double hi, long count, double accuracy, double confidence) {}

    /**
     * Summary of a set of predictions. Accuracy/confidence of an empty bin are NaN. {@code skipped} counts the items
     * left out because their probability vector had a NaN or infinite entry ({@code count} excludes them).
     */
    public record Report(
            long count,
            double accuracy,
            double meanConfidence,
            double ece,
            double mce,
            double adaptiveEce,
            double nll,
            double brier,
            List<Bin> bins,
            long skipped) {}

    private Calibration() {}

    /** Index of the equal-width bin of a confidence: [i/B, (i+1)/B), with 1.0 in the last bin. */
    public static int binOf(double confidence, int bins) {
        int b = (int) Math.floor(confidence * bins);
        return Math.min(Math.max(b, 0), bins - 1);
    }

    /**
     * @param probs one probability vector per item
     * @param labels the true class index per item
     * @param bins number of equal-width (and equal-mass) bins
     */
    public static Report evaluate(List<double[]> probs, int[] labels, int bins) {
        int n = probs.size();
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " predictions but " + labels.length + " labels");
        }
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be at least 1, got " + bins);
        }
        // Items with a non-finite probability are left out and counted: one NaN would otherwise land in bin 0
        // ((int) NaN == 0) and turn ECE, NLL and Brier into NaN.
        RunningCalibration running = new RunningCalibration(bins);
        double[] conf = new double[n];
        boolean[] correct = new boolean[n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            double[] p = probs.get(i);
            running.add(p, labels[i]);
            if (allFinite(p)) {
                int top = Uncertainty.argmax(p);
                conf[kept] = p[top];
                correct[kept++] = top == labels[i];
            }
        }
        ReliabilityBins b = running.bins();
        return new Report(
                running.count(),
                b.accuracy(),
                b.meanConfidence(),
                b.ece(),
                b.mce(),
                adaptiveEce(Arrays.copyOf(conf, kept), Arrays.copyOf(correct, kept), bins),
                running.nll(),
                running.brier(),
                b.bins(),
                running.skipped());
    }

    /** −ln p_y, with p_y clamped at {@link #MIN_PROB}. */
    static double nll(double[] p, int label) {
        return -Math.log(Math.max(p[label], MIN_PROB));
    }

    /** Σ_c (p_c − [c = y])². */
    static double brier(double[] p, int label) {
        double b = 0;
        for (int c = 0; c < p.length; c++) {
            double t = p[c] - (c == label ? 1 : 0);
            b += t * t;
        }
        return b;
    }

    static boolean allFinite(double[] p) {
        return io.bayesvlm.core.head.Prediction.allFinite(p);
    }

    static double adaptiveEce(double[] conf, boolean[] correct, int bins) {
        int n = conf.length;
        if (n == 0) {
            return Double.NaN;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(conf[x], conf[y]));
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            int from = (int) ((long) b * n / bins);
            int to = (int) ((long) (b + 1) * n / bins);
            if (to <= from) {
                continue;
            }
            double c = 0;
            double a = 0;
            for (int k = from; k < to; k++) {
                c += conf[order[k]];
                a += correct[order[k]] ? 1 : 0;
            }
            ece += Math.abs(a - c) / n;
        }
        return ece;
    }
}
