package io.bayesvlm.core.head;

/** The uncertainty scores of one prediction; see {@link UncertaintyScore} for definitions and directions. */
public record Uncertainty(
        double maxProb, double entropy, double mutualInfo, double topLogitStd, double margin, double doctor) {

    /** Whether all six scores are finite numbers. */
    public boolean isFinite() {
        return Double.isFinite(maxProb)
                && Double.isFinite(entropy)
                && Double.isFinite(mutualInfo)
                && Double.isFinite(topLogitStd)
                && Double.isFinite(margin)
                && Double.isFinite(doctor);
    }

    public double get(UncertaintyScore score) {
        return switch (score) {
            case MAX_PROB -> maxProb;
            case ENTROPY -> entropy;
            case MUTUAL_INFO -> mutualInfo;
            case TOP_LOGIT_STD -> topLogitStd;
            case MARGIN -> margin;
            case DOCTOR -> doctor;
        };
    }

    /**
     * Computes the scores from the predictive probabilities, the logit variances and the Monte Carlo pass.
     *
     * @param probs predictive probabilities (probit or MC, whichever the model is configured for)
     * @param logitVar logit variances v_c
     * @param mc Monte Carlo pass over the same logits, for the mutual information
     */
    public static Uncertainty of(double[] probs, double[] logitVar, Predictive.McResult mc) {
        if (!Prediction.allFinite(probs) || !Prediction.allFinite(logitVar)) {
            // No score of a prediction with a NaN or infinite input is meaningful: all are NaN, none looks confident.
            return new Uncertainty(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        int top = argmax(probs);
        double first = probs[top];
        double second = 0;
        double sumSq = 0;
        for (int c = 0; c < probs.length; c++) {
            if (c != top) {
                second = Math.max(second, probs[c]);
            }
            sumSq += probs[c] * probs[c];
        }
        // H[E p] − E H[p] is non-negative by Jensen; clamp the last-ulp rounding below zero.
        double mi = Math.max(0, Predictive.entropy(mc.meanProbs()) - mc.meanEntropy());
        return new Uncertainty(
                first, Predictive.entropy(probs), mi, Math.sqrt(logitVar[top]), first - second, (1 - sumSq) / sumSq);
    }

    /** Index of the largest value; the first one on ties. NaN entries are never chosen (check finiteness first). */
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
