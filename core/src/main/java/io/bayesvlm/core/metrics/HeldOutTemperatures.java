package io.bayesvlm.core.metrics;

import io.bayesvlm.core.head.LaplaceHead;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The temperature-scaling protocol of {@code bayesvlm evaluate}: for each N, temperatures fitted on the first N
 * items of a seeded permutation of the clean items; every method is then evaluated on the items after the largest
 * N only ({@link #heldOut}), so no figure is computed on labels a temperature was fitted on.
 *
 * @param byLabels the temperatures per number of fitting labels N, in the order asked
 * @param heldOut the evaluated items' indices, ascending
 */
public record HeldOutTemperatures(Map<Integer, Evaluation.Temperatures> byLabels, int[] heldOut) {

    public static HeldOutTemperatures fit(
            LaplaceHead head, float[][] activations, int[] labels, List<Integer> labelCounts, long seed) {
        int n = labels.length;
        int largest = labelCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
        if (labelCounts.stream().anyMatch(k -> k < 1) || largest >= n) {
            throw new IllegalArgumentException("--temperature-labels must be between 1 and "
                    + (n - 1)
                    + " (the data has "
                    + n
                    + " usable images), got "
                    + labelCounts);
        }
        int[] perm = permutation(n, seed);
        Map<Integer, Evaluation.Temperatures> byLabels = new LinkedHashMap<>();
        for (int k : labelCounts) {
            int[] fit = Arrays.copyOf(perm, k);
            byLabels.put(k, Evaluation.fitTemperatures(head, pick(activations, fit), pick(labels, fit)));
        }
        return new HeldOutTemperatures(
                byLabels,
                Arrays.stream(Arrays.copyOfRange(perm, largest, n)).sorted().toArray());
    }

    /** A seeded Fisher–Yates permutation of 0..n-1. */
    static int[] permutation(int n, long seed) {
        int[] p = IntStream.range(0, n).toArray();
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    public static float[][] pick(float[][] a, int[] idx) {
        float[][] out = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = a[idx[i]];
        }
        return out;
    }

    public static int[] pick(int[] a, int[] idx) {
        return Arrays.stream(idx).map(i -> a[i]).toArray();
    }
}
