package io.bayesvlm.core.head;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.bayesvlm.core.model.ImageEncoder;
import io.bayesvlm.core.model.NpyArray;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link LaplaceHead} for a whole batch as matrix operations on the encoder's device (libtorch through DJL's NDArray:
 * the CPU's BLAS, or the GPU), in float32. The formulas are the head's ({@link ProbCosine}), regrouped so that the
 * class side is precomputed once:
 * <pre>
 *   G = A Wᵀ                              image embeddings, [B, D]
 *   s_b = a_bᵀ A_inv a_b  (≥ 0)             the input-side quadratic forms, [B]
 *   E‖g_b‖² = ‖g_b‖² + s_b Σ_k β_k          β = diag(B_inv) of the image side
 *   μ = s · (G Hᵀ) / sqrt(E‖g‖² E‖h‖²)       H: class text embeddings' means, [K, D]
 *   v = s² · ((G∘G) Vᵀ + s_b T_c) / (E‖g‖² E‖h‖²)   V: their variances, T_c = Σ_k β_k (v_ck + h_ck²)
 *   MAP logits = s · (G Hᵀ) / (‖g‖ ‖h‖)
 * </pre>
 * then the probit softmax(μ / sqrt(1 + π v / 8)) and the Monte Carlo pass over the same fixed draws ε as the
 * reference (common random numbers, so results do not depend on batching). {@link LaplaceHead#predict} stays the
 * double-precision reference; tests hold this to relative 1e-4 on logit means and variances and absolute 1e-5 on
 * probabilities. Not thread-safe (one per inference thread, like the encoder's predictor).
 */
public final class BatchedHead implements AutoCloseable {
    /**
     * Images per Monte Carlo chunk. The working arrays ([chunk, draws of a block, K]) are freed after each block, so
     * the next one reuses their memory. Measured with 1, 2, 4, 8 and 16 on 2 cores, one and two libtorch threads: 8
     * was the fastest or within noise of it.
     */
    private static final int MC_CHUNK = 8;

    /**
     * Draws per block within a chunk: [8, 64, 1000] floats are 2 MB, so each libtorch thread's share of a working
     * array stays in its core's L2 cache across the passes. Measured against whole 256-draw chunks, same run, two
     * threads: 19.2 and 17.7 against 26.9 and 25.3 ms per batch of 64 at K = 1000.
     */
    private static final int DRAW_BLOCK = 64;

    /** The lowest centred draw kept in the Monte Carlo pass (see {@link #predict}); e^-80 is a normal float32. */
    private static final float LOWEST = -80f;

    private final LaplaceHead head;
    private final NDManager manager;
    private final NDArray projectionT; // [Dv, D]
    private final NDArray aInv; // [Dv, Dv]
    private final NDArray textMeansT; // [D, K]
    private final NDArray textVarsT; // [D, K]
    private final NDArray t; // [1, K]
    private final NDArray textNormSq; // [1, K] E‖h‖²
    private final NDArray textNorm; // [1, K] ‖h‖
    private final List<NDArray> epsBlocks; // [1, ≤ DRAW_BLOCK, K] views of the draws ε, [1, S, K]
    private final int draws;
    private final float epsMaxAbs; // max |ε| over the draws
    private final double sumBeta;
    private final float scale;

    /**
     * Multiply-adds per image below which the double-precision Java loop is faster on a CPU: NDArray calls cost tens
     * of microseconds each, which only pays when the matrices are large. Measured with {@code bayesvlm headbench}
     * on 2 cores: the built-in model (Dv = 128, D = 64, K = 10, about 3·10⁴ per image) 0.18 ms batched against
     * 0.10 ms in Java; a ViT-B/32-shaped head (about 10⁶ at K = 10) 0.13 ms against 0.72 ms.
     */
    static final long CPU_THRESHOLD = 200_000;

    /** Whether the batched head is the faster one for this head on this device (always on a GPU). */
    public static boolean pays(LaplaceHead head, Device device) {
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            return true;
        }
        long dv = head.activationDim();
        long d = head.imageProjection().rows();
        long k = head.numClasses();
        long perImage = dv * dv + d * dv + 2 * k * d + (long) head.predictive().mcSamples() * k;
        return perImage >= CPU_THRESHOLD;
    }

    public BatchedHead(LaplaceHead head, Device device) {
        this.head = head;
        this.manager = Engine.getEngine(ImageEncoder.ENGINE).newBaseManager(device);
        NpyArray w = head.imageProjection();
        int d = w.rows();
        int dv = w.cols();
        int k = head.numClasses();
        this.projectionT = manager.create(w.data(), new Shape(d, dv)).transpose();
        this.aInv = manager.create(head.imageAInv().data(), new Shape(dv, dv));
        double[] beta = head.imageBInvDiag();
        double sb = 0;
        for (double b : beta) {
            sb += b;
        }
        this.sumBeta = sb;
        float[] means = new float[k * d];
        float[] vars = new float[k * d];
        float[] tc = new float[k];
        float[] normSq = new float[k];
        float[] norm = new float[k];
        for (int c = 0; c < k; c++) {
            ProbCosine.Embedding h = head.classEmbedding(c);
            double acc = 0;
            for (int j = 0; j < d; j++) {
                means[c * d + j] = (float) h.mean()[j];
                vars[c * d + j] = (float) h.var()[j];
                acc += beta[j] * (h.var()[j] + h.mean()[j] * h.mean()[j]);
            }
            tc[c] = (float) acc;
            normSq[c] = (float) h.expectedSquaredNorm();
            norm[c] = (float) h.meanNorm();
        }
        this.textMeansT = manager.create(means, new Shape(k, d)).transpose();
        this.textVarsT = manager.create(vars, new Shape(k, d)).transpose();
        this.t = manager.create(tc, new Shape(1, k));
        this.textNormSq = manager.create(normSq, new Shape(1, k));
        this.textNorm = manager.create(norm, new Shape(1, k));
        double[][] draws = head.predictive().draws();
        float[] e = new float[draws.length * k];
        float maxAbs = 0;
        for (int i = 0; i < draws.length; i++) {
            for (int c = 0; c < k; c++) {
                e[i * k + c] = (float) draws[i][c];
                maxAbs = Math.max(maxAbs, Math.abs(e[i * k + c]));
            }
        }
        this.epsMaxAbs = maxAbs;
        NDArray eps = manager.create(e, new Shape(1, draws.length, k));
        this.draws = draws.length;
        this.epsBlocks = new ArrayList<>();
        for (int s0 = 0; s0 < draws.length; s0 += DRAW_BLOCK) {
            epsBlocks.add(eps.get(":, " + s0 + ":" + Math.min(draws.length, s0 + DRAW_BLOCK)));
        }
        this.scale = (float) head.logitScale();
    }

    /** Predictions for a batch of pre-projection activations, in input order. */
    public List<Prediction> predict(float[][] activations) {
        int b = activations.length;
        List<Prediction> out = new ArrayList<>(b);
        if (b == 0) {
            return out;
        }
        int dv = head.activationDim();
        int k = head.numClasses();
        float[] flat = new float[b * dv];
        for (int i = 0; i < b; i++) {
            if (activations[i].length != dv) {
                throw new IllegalArgumentException(
                        "activation " + i + " has " + activations[i].length + " values, the head expects " + dv);
            }
            System.arraycopy(activations[i], 0, flat, i * dv, dv);
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.create(flat, new Shape(b, dv));
            NDArray g = a.matMul(projectionT); // [B, D]
            NDArray quad = a.matMul(aInv).mul(a).sum(new int[] {1}).maximum(0f); // [B]
            NDArray gg = g.mul(g);
            NDArray gNormSq = gg.sum(new int[] {1}); // [B]
            NDArray eg = gNormSq.add(quad.mul((float) sumBeta)).reshape(b, 1); // [B, 1]
            NDArray dots = g.matMul(textMeansT); // [B, K]
            NDArray denom = eg.mul(textNormSq); // [B, K]
            NDArray mean = dots.mul(scale).div(denom.sqrt());
            NDArray var = gg.matMul(textVarsT)
                    .add(quad.reshape(b, 1).mul(t))
                    .mul(scale * scale)
                    .div(denom);
            NDArray mapProbs = dots.mul(scale)
                    .div(gNormSq.sqrt().reshape(b, 1).mul(textNorm))
                    .softmax(1);
            NDArray probit =
                    mean.div(var.mul((float) (Math.PI / 8)).add(1f).sqrt()).softmax(1);
            NDArray std = var.sqrt();
            float[] meanH = mean.toFloatArray();
            float[] varH = var.toFloatArray();
            float[] mapH = mapProbs.toFloatArray();
            float[] probitH = probit.toFloatArray();
            float[] mcProbs = new float[b * k];
            float[] mcEntropy = new float[b];
            // Shift by each item's largest mean logit (not each draw's maximum): exp stays in range, as the draws move
            // a logit by a few standard deviations only, and the [n, S, K] maximum pass is saved.
            NDArray centred = mean.sub(mean.max(new int[] {1}, true));
            // A draw at or below e^-87 is a subnormal float32, and subnormals slow each pass over the [n, S, K] arrays
            // by up to 15× (measured). Where some draw can go that low (a class far below the best one), the draws are
            // clamped at LOWEST: that class's weight then errs by under e^LOWEST, negligible against Z, which holds
            // the best class's weight (e^z ≥ e^(−std · max|ε|) there). Otherwise the clamp's extra pass is skipped.
            boolean clamp = centred.sub(std.mul(epsMaxAbs)).min().getFloat() < LOWEST;
            for (int start = 0; start < b; start += MC_CHUNK) {
                int n = Math.min(MC_CHUNK, b - start);
                try (NDManager c = m.newSubManager()) {
                    // DJL attaches a result to its first operand's manager: the slices and views that go first are
                    // attached to this chunk's (or draw block's) manager, so that everything computed from them is
                    // freed with it (held to the end of the batch, the working arrays took fresh memory every time:
                    // 40% slower), and no operation takes a long-lived constant first (each result would stay in
                    // the head's manager for good).
                    String rows = start + ":" + (start + n);
                    NDArray stdRows = std.get(rows);
                    NDArray centredRows = centred.get(rows);
                    stdRows.attach(c);
                    centredRows.attach(c);
                    NDArray probSum = null; // [n, K]: Σ over draws of softmax(z)
                    NDArray entropySum = null; // [n]: Σ over draws of its entropy
                    for (NDArray block : epsBlocks) {
                        try (NDManager d = c.newSubManager()) {
                            NDArray s3 = stdRows.expandDims(1);
                            NDArray c3 = centredRows.expandDims(1);
                            s3.attach(d);
                            c3.attach(d);
                            NDArray z = s3.mul(block); // [n, draws, K]
                            z.addi(c3);
                            if (clamp) {
                                z = z.maximum(LOWEST);
                            }
                            NDArray w = z.exp();
                            NDArray sum = w.sum(new int[] {2}, true); // [n, draws, 1]
                            // entropy of softmax(z) = ln Z − Σ_c w_c z_c / Z
                            NDArray weighted = z.muli(w).sum(new int[] {2}, true);
                            NDArray entropy = sum.log().sub(weighted.div(sum)).sum(new int[] {1, 2}); // [n]
                            NDArray probs = w.divi(sum).sum(new int[] {1}); // [n, K]
                            if (probSum == null) {
                                probSum = probs;
                                entropySum = entropy;
                                probSum.attach(c);
                                entropySum.attach(c);
                            } else {
                                probSum.addi(probs);
                                entropySum.addi(entropy);
                            }
                        }
                    }
                    float[] pm = probSum.div((float) draws).toFloatArray();
                    float[] hm = entropySum.div((float) draws).toFloatArray();
                    System.arraycopy(pm, 0, mcProbs, start * k, n * k);
                    System.arraycopy(hm, 0, mcEntropy, start, n);
                }
            }
            boolean mc = head.predictive().mode() == Predictive.Mode.MC;
            for (int i = 0; i < b; i++) {
                double[] mu = slice(meanH, i, k);
                double[] v = slice(varH, i, k);
                double[] mcP = slice(mcProbs, i, k);
                double[] probs = mc ? mcP : slice(probitH, i, k);
                Predictive.McResult mcResult = new Predictive.McResult(mcP, mcEntropy[i]);
                out.add(new Prediction(
                        Uncertainty.argmax(probs),
                        probs,
                        slice(mapH, i, k),
                        mu,
                        v,
                        Uncertainty.of(probs, v, mcResult)));
            }
        }
        return out;
    }

    private static double[] slice(float[] a, int row, int k) {
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            out[c] = a[row * k + c];
        }
        return out;
    }

    /** Arrays the head's manager holds (its constants; for tests: a prediction must leave none behind). */
    int heldArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
