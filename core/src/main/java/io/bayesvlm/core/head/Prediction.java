package io.bayesvlm.core.head;

/**
 * The BayesVLM output for one image. Arrays are in the model's class order.
 *
 * @param predicted index of the predicted class (argmax of the predictive probabilities)
 * @param probs predictive probabilities (probit or Monte Carlo)
 * @param mapProbs plain CLIP probabilities softmax(s · cos(g, h)) of the mean weights
 * @param logitsMean μ_c = s · E[cos]
 * @param logitsVar v_c = s² · Var[cos]
 * @param uncertainty the per-image uncertainty scores
 */
public record Prediction(
        int predicted,
        double[] probs,
        double[] mapProbs,
        double[] logitsMean,
        double[] logitsVar,
        Uncertainty uncertainty) {

    /**
     * Whether every number of this prediction is finite. A prediction that is not must never be acted on: its
     * argmax and some of its scores can look normal (an argmax over NaN picks a real class).
     */
    public boolean isFinite() {
        return allFinite(probs)
                && allFinite(mapProbs)
                && allFinite(logitsMean)
                && allFinite(logitsVar)
                && uncertainty.isFinite();
    }

    /** What is not finite, for error messages: e.g. "probs[2]=NaN, entropy=NaN". Empty if all is. */
    public String nonFiniteSummary() {
        StringBuilder b = new StringBuilder();
        first(b, "probs", probs);
        first(b, "map_probs", mapProbs);
        first(b, "logits_mean", logitsMean);
        first(b, "logits_var", logitsVar);
        for (UncertaintyScore s : UncertaintyScore.values()) {
            double v = uncertainty.get(s);
            if (!Double.isFinite(v)) {
                b.append(b.isEmpty() ? "" : ", ")
                        .append(s.jsonName())
                        .append('=')
                        .append(v);
            }
        }
        return b.toString();
    }

    private static void first(StringBuilder b, String name, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                b.append(b.isEmpty() ? "" : ", ")
                        .append(name)
                        .append('[')
                        .append(i)
                        .append("]=")
                        .append(v[i]);
                return;
            }
        }
    }

    /** Whether every entry is a finite number. */
    public static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
