package io.bayesvlm.core.failure;

import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.ProbCosine;
import io.bayesvlm.core.head.UncertaintyScore;

/**
 * One prediction as the failure predictor sees it: the image embedding's mean (made unit length, as CLIP compares
 * them), the predicted class, and what the BayesVLM head already computed (logit means and variances, the six
 * scores). Only what the head outputs for the image: no label, no image pixels.
 */
public record FailureInput(double[] image, int predicted, double[] logitsMean, double[] logitsVar, double[] scores) {

    public static FailureInput of(ProbCosine.Embedding image, Prediction p) {
        return of(image.mean(), p);
    }

    /** @param imageMean the image embedding's mean, any length (made unit length here) */
    public static FailureInput of(double[] imageMean, Prediction p) {
        UncertaintyScore[] all = UncertaintyScore.values();
        double[] scores = new double[all.length];
        for (int i = 0; i < all.length; i++) {
            scores[i] = p.uncertainty().get(all[i]);
        }
        return new FailureInput(unit(imageMean), p.predicted(), p.logitsMean(), p.logitsVar(), scores);
    }

    /**
     * From a prediction's parts, as a stream carries them.
     *
     * @param imageMean the image embedding's mean, any length (made unit length here)
     * @param scores the six scores in {@link UncertaintyScore} order
     */
    public static FailureInput of(
            float[] imageMean, int predicted, double[] logitsMean, double[] logitsVar, double[] scores) {
        double[] mean = new double[imageMean.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = imageMean[i];
        }
        return new FailureInput(unit(mean), predicted, logitsMean, logitsVar, scores.clone());
    }

    static double[] unit(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = n > 0 ? v[i] / n : 0;
        }
        return out;
    }
}
