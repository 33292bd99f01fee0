package io.bayesvlm.core.metrics;

import java.util.List;

/**
 * Temperature scaling (Guo, Pleiss, Sun, Weinberger, "On Calibration of Modern Neural Networks", 2017): one scalar
 * T > 0, probabilities softmax(z / T), T chosen to minimise the (optionally weighted) negative log-likelihood of
 * labelled items. Applied to logits z: MAP's cosine logits (ln p up to a constant, so ln p serves) or BayesVLM's
 * probit logits μ_c / sqrt(1 + π v_c / 8).
 *
 * <p>The weighted NLL Σ w_i (−z_{i,y}/T + log Σ_c exp(z_{i,c}/T)) is convex in 1/T, so a golden-section search over
 * β = 1/T on [1e-3, 1e3] (in log space, then refined) finds its minimum.
 */
public final class TemperatureScaling {

    private TemperatureScaling() {}

    /** Logits whose softmax is {@code p}: ln p (clamped at 1e-300), up to a constant per item. */
    public static double[] logitsOf(double[] p) {
        double[] z = new double[p.length];
        for (int c = 0; c < p.length; c++) {
            z[c] = Math.log(Math.max(p[c], 1e-300));
        }
        return z;
    }

    /** softmax(z / T). */
    public static double[] apply(double[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / temperature);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int c = 0; c < z.length; c++) {
            p[c] = Math.exp(z[c] / temperature - max);
            sum += p[c];
        }
        for (int c = 0; c < z.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** Weighted NLL of softmax(β z) (β = 1/T). */
    public static double nll(List<double[]> logits, int[] labels, double[] weights, double beta) {
        double s = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] z = logits.get(i);
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                max = Math.max(max, beta * v);
            }
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(beta * v - max);
            }
            s += weights[i] * (max + Math.log(sum) - beta * z[labels[i]]);
        }
        return s;
    }

    /**
     * The temperature minimising the weighted NLL; {@code weights} null for all ones. Items with non-finite logits are
     * not allowed (check first); with no items the temperature is 1.
     */
    public static double fit(List<double[]> logits, int[] labels, double[] weights) {
        if (labels.length == 0) {
            return 1;
        }
        double[] w = weights != null
                ? weights
                : java.util.Collections.nCopies(labels.length, 1.0).stream()
                        .mapToDouble(Double::doubleValue)
                        .toArray();
        // golden section on t = ln β in [ln 1e-3, ln 1e3]; the NLL is convex in β, hence unimodal in ln β
        double lo = Math.log(1e-3);
        double hi = Math.log(1e3);
        double g = (Math.sqrt(5) - 1) / 2;
        double a = hi - g * (hi - lo);
        double b = lo + g * (hi - lo);
        double fa = nll(logits, labels, w, Math.exp(a));
        double fb = nll(logits, labels, w, Math.exp(b));
        for (int it = 0; it < 200 && hi - lo > 1e-10; it++) {
            if (fa <= fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - g * (hi - lo);
                fa = nll(logits, labels, w, Math.exp(a));
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + g * (hi - lo);
                fb = nll(logits, labels, w, Math.exp(b));
            }
        }
        return 1 / Math.exp(0.5 * (lo + hi));
    }
}
