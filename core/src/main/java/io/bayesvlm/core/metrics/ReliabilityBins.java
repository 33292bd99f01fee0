package io.bayesvlm.core.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Equal-width reliability bins on [0, 1], filled one item at a time with a weight (1 for a plain count,
 * 1/propensity for a design-weighted estimate, a bootstrap multiplicity). The one binning loop behind
 * {@link Calibration}, {@link WeightedCalibration} and running summaries:
 * ECE = Σ_b (W_b / W)·|acc_b − conf_b|, MCE = max_b |acc_b − conf_b| over non-empty bins, where W_b is the
 * bin's total weight, acc_b its weighted share of correct items and conf_b its weighted mean confidence.
 */
public final class ReliabilityBins {

    private final double[] weight;
    private final double[] right;
    private final double[] confidence;
    private double total;

    public ReliabilityBins(int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be at least 1, got " + bins);
        }
        weight = new double[bins];
        right = new double[bins];
        confidence = new double[bins];
    }

    /** Adds an item of the given confidence (the top probability), correctness and weight. */
    public void add(double conf, boolean correct, double w) {
        int b = Calibration.binOf(conf, weight.length);
        weight[b] += w;
        confidence[b] += w * conf;
        if (correct) {
            right[b] += w;
        }
        total += w;
    }

    /** The total weight (the item count when every weight is 1). */
    public double total() {
        return total;
    }

    /** Weighted share of correct items; NaN when empty. */
    public double accuracy() {
        return total == 0 ? Double.NaN : sum(right) / total;
    }

    /** Weighted mean confidence; NaN when empty. */
    public double meanConfidence() {
        return total == 0 ? Double.NaN : sum(confidence) / total;
    }

    public double ece() {
        if (total == 0) {
            return Double.NaN;
        }
        double ece = 0;
        for (int b = 0; b < weight.length; b++) {
            if (weight[b] > 0) {
                ece += weight[b] / total * gap(b);
            }
        }
        return ece;
    }

    public double mce() {
        if (total == 0) {
            return Double.NaN;
        }
        double mce = 0;
        for (int b = 0; b < weight.length; b++) {
            if (weight[b] > 0) {
                mce = Math.max(mce, gap(b));
            }
        }
        return mce;
    }

    /** The bins; a bin's count is its weight rounded (the estimated number of items), NaN accuracy when empty. */
    public List<Calibration.Bin> bins() {
        int n = weight.length;
        List<Calibration.Bin> out = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            double acc = weight[b] == 0 ? Double.NaN : right[b] / weight[b];
            double cf = weight[b] == 0 ? Double.NaN : confidence[b] / weight[b];
            out.add(new Calibration.Bin((double) b / n, (double) (b + 1) / n, Math.round(weight[b]), acc, cf));
        }
        return List.copyOf(out);
    }

    private double gap(int b) {
        return Math.abs(right[b] / weight[b] - confidence[b] / weight[b]);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
