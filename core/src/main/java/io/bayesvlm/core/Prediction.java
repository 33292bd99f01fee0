package io.bayesvlm.core;

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
        int predicted, double[] probs, double[] mapProbs, double[] logitsMean, double[] logitsVar, Uncertainty uncertainty) {}
