package io.bayesvlm.core.metrics;

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
        List<Integer> kept = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (allFinite(probs.get(i))) {
                kept.add(i);
            }
        }
        long skipped = n - kept.size();
        n = kept.size();
        double[] conf = new double[n];
        boolean[] correct = new boolean[n];
        double nll = 0;
        double brier = 0;
        for (int j = 0; j < n; j++) {
            int i = kept.get(j);
            double[] p = probs.get(i);
            int top = argmax(p);
            conf[j] = p[top];
            correct[j] = top == labels[i];
            nll += nll(p, labels[i]);
            brier += brier(p, labels[i]);
        }
        Totals t = new Totals(bins);
        for (int i = 0; i < n; i++) {
            t.add(binOf(conf[i], bins), conf[i], correct[i]);
        }
        return t.report(n == 0 ? Double.NaN : nll / n, n == 0 ? Double.NaN : brier / n,
                adaptiveEce(conf, correct, bins), skipped);
    }

    /** Per-bin sums from which the equal-width part of a report is built. */
    private static final class Totals {
        final long[] count;
        final long[] correct;
        final double[] confidence;

        Totals(int bins) {
            count = new long[bins];
            correct = new long[bins];
            confidence = new double[bins];
        }

        void add(int bin, double conf, boolean isCorrect) {
            count[bin]++;
            confidence[bin] += conf;
            if (isCorrect) {
                correct[bin]++;
            }
        }

        Report report(double nll, double brier, double adaptiveEce, long skipped) {
            int bins = count.length;
            long n = Arrays.stream(count).sum();
            long totalCorrect = Arrays.stream(correct).sum();
            double totalConf = Arrays.stream(confidence).sum();
            double ece = 0;
            double mce = 0;
            Bin[] out = new Bin[bins];
            for (int b = 0; b < bins; b++) {
                double acc = count[b] == 0 ? Double.NaN : (double) correct[b] / count[b];
                double cf = count[b] == 0 ? Double.NaN : confidence[b] / count[b];
                if (count[b] > 0) {
                    double gap = Math.abs(acc - cf);
                    ece += (double) count[b] / n * gap;
                    mce = Math.max(mce, gap);
                }
                out[b] = new Bin((double) b / bins, (double) (b + 1) / bins, count[b], acc, cf);
            }
            return new Report(n, n == 0 ? Double.NaN : (double) totalCorrect / n, n == 0 ? Double.NaN : totalConf / n,
                    n == 0 ? Double.NaN : ece, n == 0 ? Double.NaN : mce, adaptiveEce, nll, brier, List.of(out), skipped);
        }
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
        return io.bayesvlm.core.Prediction.allFinite(p);
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

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
