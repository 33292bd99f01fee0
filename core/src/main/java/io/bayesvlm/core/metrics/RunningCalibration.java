package io.bayesvlm.core.metrics;

import io.bayesvlm.core.head.Uncertainty;

/**
 * Calibration of a stream of predictions kept as running sums (constant memory however long the stream): count,
 * accuracy, ECE and MCE over equal-width bins, NLL and Brier, with {@link Calibration}'s definitions. Items with a
 * non-finite probability are counted as skipped and left out. Not thread-safe.
 */
public final class RunningCalibration {

    private final ReliabilityBins bins;
    private long count;
    private long skipped;
    private double nll;
    private double brier;

    public RunningCalibration(int bins) {
        this.bins = new ReliabilityBins(bins);
    }

    public void add(double[] probs, int label) {
        if (!Calibration.allFinite(probs)) {
            skipped++;
            return;
        }
        int top = Uncertainty.argmax(probs);
        bins.add(probs[top], top == label, 1);
        nll += Calibration.nll(probs, label);
        brier += Calibration.brier(probs, label);
        count++;
    }

    public long count() {
        return count;
    }

    public long skipped() {
        return skipped;
    }

    public ReliabilityBins bins() {
        return bins;
    }

    public double accuracy() {
        return bins.accuracy();
    }

    public double ece() {
        return bins.ece();
    }

    public double nll() {
        return count == 0 ? Double.NaN : nll / count;
    }

    public double brier() {
        return count == 0 ? Double.NaN : brier / count;
    }
}
