package io.bayesvlm.core.metrics;

import java.util.Arrays;

/**
 * How well a confidence score separates correct from wrong predictions (positive = correct prediction,
 * score = confidence, higher = more likely correct):
 * <ul>
 *   <li>AUROC: P(score of a random correct item &gt; score of a random wrong one), ties counting ½;</li>
 *   <li>FPR at 95% TPR: accepting items from the most confident down until at least 95% of the correct ones
 *       are accepted, the fraction of wrong items accepted (tied scores are accepted together);</li>
 *   <li>AURC: area under the risk–coverage curve, the mean over k = 1..N of the error rate among the k most
 *       confident items (tied scores share their group's average risk). Lower is better.</li>
 * </ul>
 * AUROC and FPR are NaN when there are no correct or no wrong items.
 */
public final class FailurePrediction {

    public record Result(double auroc, double fprAt95Tpr, double aurc) {}

    private FailurePrediction() {}

    public static Result evaluate(double[] confidence, boolean[] correct) {
        int n = confidence.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(confidence[b], confidence[a])); // most confident first
        long positives = 0;
        for (boolean c : correct) {
            if (c) {
                positives++;
            }
        }
        long negatives = n - positives;

        double aucSum = 0; // Σ over correct items of (#wrong items with a lower score + ½ #tied wrong)
        double fpr = Double.NaN;
        double aurc = 0;
        long tp = 0;
        long fp = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            long groupTp = 0;
            long groupFp = 0;
            while (j < n && confidence[order[j]] == confidence[order[i]]) {
                if (correct[order[j]]) {
                    groupTp++;
                } else {
                    groupFp++;
                }
                j++;
            }
            // Wrong items below this group: negatives − fp − groupFp.
            aucSum += groupTp * ((negatives - fp - groupFp) + 0.5 * groupFp);
            // Risk-coverage: within a tied group, interpolate errors linearly (order-independent).
            int size = j - i;
            for (int k = 1; k <= size; k++) {
                double errors = fp + groupFp * (double) k / size;
                aurc += errors / (i + k);
            }
            tp += groupTp;
            fp += groupFp;
            if (Double.isNaN(fpr) && positives > 0 && tp >= 0.95 * positives) {
                fpr = negatives == 0 ? Double.NaN : (double) fp / negatives;
            }
            i = j;
        }
        double auroc = positives == 0 || negatives == 0 ? Double.NaN : aucSum / ((double) positives * negatives);
        return new Result(auroc, fpr, n == 0 ? Double.NaN : aurc / n);
    }
}
