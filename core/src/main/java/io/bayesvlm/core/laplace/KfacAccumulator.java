package io.bayesvlm.core.laplace;

/**
 * Sums the two Kronecker factors of one projection over a pass of data: A = Σ a aᵀ over the projection's
 * input activations and B = Σ H over the per-example GGNs of its output; {@link #finish()} divides both by √N
 * as the BayesVLM reference does. Not thread-safe.
 */
public final class KfacAccumulator {

    private final int inputDim;
    private final int outputDim;
    private final double[] a;
    private final double[] b;
    private long count;

    public KfacAccumulator(int inputDim, int outputDim) {
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.a = new double[inputDim * inputDim];
        this.b = new double[outputDim * outputDim];
    }

    /** Adds one example: its input activation and the GGN of the loss w.r.t. its output ({@code weight} copies). */
    public void add(float[] activation, double[] ggn, long weight) {
        if (activation.length != inputDim || ggn.length != outputDim * outputDim) {
            throw new IllegalArgumentException("expected activation of " + inputDim + " and GGN of " + outputDim + "²");
        }
        for (int i = 0; i < inputDim; i++) {
            double ai = weight * (double) activation[i];
            int row = i * inputDim;
            for (int j = 0; j < inputDim; j++) {
                a[row + j] += ai * activation[j];
            }
        }
        for (int i = 0; i < b.length; i++) {
            b[i] += weight * ggn[i];
        }
        count += weight;
    }

    public long count() {
        return count;
    }

    /** A/√N and B/√N, symmetrised. */
    public KfacFactors finish() {
        if (count == 0) {
            throw new IllegalStateException("no examples were added");
        }
        double root = Math.sqrt(count);
        return new KfacFactors(symmetric(a, inputDim, root), inputDim, symmetric(b, outputDim, root), outputDim, count);
    }

    private static double[] symmetric(double[] m, int n, double divisor) {
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = 0.5 * (m[i * n + j] + m[j * n + i]) / divisor;
            }
        }
        return out;
    }
}
