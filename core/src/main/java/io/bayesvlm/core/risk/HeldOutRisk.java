package io.bayesvlm.core.risk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a risk guarantee costs on held-out labelled data: the threshold {@link RiskControlledThreshold} picks on a
 * calibration part (every item labelled, propensity 1), and on the separate test part the share of items it sends
 * to review and the error rate among those it decides automatically.
 */
public final class HeldOutRisk {

    /**
     * @param threshold chosen on the calibration part (+∞: nothing vouched for, everything reviewed)
     * @param upperBound its Clopper–Pearson bound on the calibration part
     * @param reviewRate share of test items below the threshold (sent to review)
     * @param autoError error rate among the test items at or above it (NaN if none)
     * @param auto number of test items decided automatically
     */
    public record Row(
            double alpha, double threshold, double upperBound, double reviewRate, double autoError, int auto) {}

    private HeldOutRisk() {}

    /** Confidences (higher = surer) and outcomes of the calibration and test parts. */
    public static Row evaluate(
            double[] calConfidence,
            boolean[] calWrong,
            double[] testConfidence,
            boolean[] testWrong,
            double alpha,
            double delta,
            int gridSize) {
        List<RiskControlledThreshold.Item> items = new ArrayList<>(calConfidence.length);
        for (int i = 0; i < calConfidence.length; i++) {
            items.add(new RiskControlledThreshold.Item(calConfidence[i], calWrong[i], 1, i));
        }
        RiskControlledThreshold.Result r =
                RiskControlledThreshold.choose(items, grid(calConfidence, gridSize), alpha, delta, 1, 0);
        int auto = 0;
        int wrong = 0;
        for (int i = 0; i < testConfidence.length; i++) {
            if (testConfidence[i] >= r.threshold()) {
                auto++;
                if (testWrong[i]) {
                    wrong++;
                }
            }
        }
        return new Row(
                alpha,
                r.threshold(),
                r.upperBound(),
                1 - (double) auto / testConfidence.length,
                auto == 0 ? Double.NaN : (double) wrong / auto,
                auto);
    }

    /** Candidate thresholds: the distinct values at gridSize evenly spaced quantiles of the confidences (no labels). */
    public static double[] grid(double[] confidence, int gridSize) {
        double[] sorted =
                Arrays.stream(confidence).filter(Double::isFinite).sorted().toArray();
        if (sorted.length == 0) {
            return new double[0];
        }
        double[] g = new double[gridSize];
        for (int i = 0; i < gridSize; i++) {
            g[i] = sorted[(int) Math.min(sorted.length - 1, Math.floor((double) i * sorted.length / gridSize))];
        }
        return Arrays.stream(g).distinct().toArray();
    }
}
