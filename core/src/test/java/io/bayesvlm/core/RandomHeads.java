package io.bayesvlm.core;

import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.model.NpyArray;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/** Random, valid head.npz contents for property tests. */
public final class RandomHeads {
    private RandomHeads() {}

    public static Map<String, NpyArray> head(Random rng, int d, int dv, int dt, int k, double covScale) {
        Map<String, NpyArray> h = new HashMap<>();
        h.put(LaplaceHead.IMAGE_PROJECTION, gaussian(rng, d, dv));
        h.put(LaplaceHead.IMAGE_A_INV, spd(rng, dv, covScale));
        h.put(LaplaceHead.IMAGE_B_INV, spd(rng, d, covScale));
        h.put(LaplaceHead.TEXT_PROJECTION, gaussian(rng, d, dt));
        h.put(LaplaceHead.TEXT_A_INV, spd(rng, dt, covScale));
        h.put(LaplaceHead.TEXT_B_INV, spd(rng, d, covScale));
        h.put(LaplaceHead.CLASS_TEXT_ACTIVATIONS, gaussian(rng, k, dt));
        return h;
    }

    public static NpyArray gaussian(Random rng, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return NpyArray.matrix(rows, cols, v);
    }

    /** covScale · (M Mᵀ / n + 0.1 I): symmetric positive definite. */
    public static NpyArray spd(Random rng, int n, double covScale) {
        double[][] m = new double[n][n];
        for (double[] row : m) {
            for (int j = 0; j < n; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int t = 0; t < n; t++) {
                    s += m[i][t] * m[j][t];
                }
                double v = covScale * (s / n + (i == j ? 0.1 : 0));
                out[i * n + j] = (float) v;
                out[j * n + i] = (float) v;
            }
        }
        return NpyArray.matrix(n, n, out);
    }

    public static float[] vector(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }
}
