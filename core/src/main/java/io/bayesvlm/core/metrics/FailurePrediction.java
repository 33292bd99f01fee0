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
 * AUROC and FPR are NaN when there are no correct or no wrong items. Items whose score is NaN or infinite are
 * left out and counted in {@code skipped} (a NaN has no place in a ranking).
 */
public final class FailurePrediction {

    public record Result(double auroc, double fprAt95Tpr, double aurc, int skipped) {}

    private FailurePrediction() {}

    public static Result evaluate(double[] allConfidence, boolean[] allCorrect) {
        if (allCorrect.length != allConfidence.length) {
            throw new IllegalArgumentException(allConfidence.length + " scores but " + allCorrect.length + " outcomes");
        }
        int finite = 0;
        for (double c : allConfidence) {
            if (Double.isFinite(c)) {
                finite++;
            }
        }
        double[] confidence = new double[finite];
        boolean[] correct = new boolean[finite];
        for (int i = 0, j = 0; i < allConfidence.length; i++) {
            if (Double.isFinite(allConfidence[i])) {
                confidence[j] = allConfidence[i];
                correct[j++] = allCorrect[i];
            }
        }
        int skipped = allConfidence.length - finite;
        int n = finite;
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
            while (j < n && Double.compare(confidence[order[j]], confidence[order[i]]) == 0) {
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
        return new Result(auroc, fpr, n == 0 ? Double.NaN : aurc / n, skipped);
    }
}
