package io.bayesvlm.core.failure;

import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.ModelFormatException;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A learned failure predictor in the manner of ViLU (Lafon et al., ICCV 2025): the image embedding attends over the
 * K class text embeddings (query = image, keys and values = the classes' text embeddings, one head of width h),
 * giving an image-conditioned text embedding; that, the image embedding and the predicted class's text embedding
 * (ViLU's triplet), together with the BayesVLM head's logit means, log variances and six scores, go through an MLP
 * (two ReLU layers) to the log-odds that the prediction is wrong. Trained by {@link FailureTraining}; evaluated here
 * in plain Java (no engine at run time), equal to the training forward pass within float rounding
 * ({@code FailurePredictorTest}).
 *
 * <p>File format ({@code failure.npz} in the model directory, float32 arrays, matrices row-major as in × out):
 * {@code format} [1] = 1; {@code text} [K, d]: the unit class text embeddings it was trained with (a predictor for
 * another model or prompt set is refused); {@code feature_mean}, {@code feature_std} [n]: the standardisation of
 * the fixed features [image (d), predicted class text (d), logit means (K), log logit variances (K), scores (6)],
 * n = 2d + 2K + 6; {@code wq}, {@code wk}, {@code wv} [d, h]; {@code w1} [n + h, H1], {@code b1} [H1];
 * {@code w2} [H1, H2], {@code b2} [H2]; {@code w3} [H2]; {@code b3} [1]. Every array is checked at load: a missing,
 * misshapen or non-finite one is refused with its name.
 */
public final class FailurePredictor {
    public static final int FORMAT = 1;
    public static final String FILE = "failure.npz";
    static final int SCORES = UncertaintyScore.values().length;

    final float[][] text;
    final float[] featureMean;
    final float[] featureStd;
    final float[][] wq;
    final float[][] wk;
    final float[][] wv;
    final float[][] w1;
    final float[] b1;
    final float[][] w2;
    final float[] b2;
    final float[] w3;
    final float b3;
    /** Keys and values of the classes (text · wk, text · wv), fixed once the predictor is. */
    private final double[][] keys;

    private final double[][] values;

    FailurePredictor(
            float[][] text,
            float[] featureMean,
            float[] featureStd,
            float[][] wq,
            float[][] wk,
            float[][] wv,
            float[][] w1,
            float[] b1,
            float[][] w2,
            float[] b2,
            float[] w3,
            float b3) {
        this.text = text;
        this.featureMean = featureMean;
        this.featureStd = featureStd;
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
        this.b2 = b2;
        this.w3 = w3;
        this.b3 = b3;
        this.keys = times(text, wk);
        this.values = times(text, wv);
    }

    /**
     * This predictor's identity, as decisions routed by it record it: the first 16 hex digits of a SHA-256 over its
     * weights (not the file's bytes, so saving it again does not change it).
     */
    public String version() {
        if (version == null) {
            version = digest();
        }
        return version;
    }

    private String version;

    private String digest() {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
        for (float[][] m : new float[][][] {text, wq, wk, wv, w1, w2}) {
            for (float[] row : m) {
                for (float v : row) {
                    md.update(b.clear().putFloat(v).array());
                }
            }
        }
        for (float[] v : new float[][] {featureMean, featureStd, b1, b2, w3, {b3}}) {
            for (float x : v) {
                md.update(b.clear().putFloat(x).array());
            }
        }
        return "sha256:" + java.util.HexFormat.of().formatHex(md.digest(), 0, 8);
    }

    public int numClasses() {
        return text.length;
    }

    public int embeddingDim() {
        return text[0].length;
    }

    /** The probability that the prediction is wrong. */
    public double failureProbability(FailureInput in) {
        return 1 / (1 + Math.exp(-failureLogit(in)));
    }

    /** As a confidence (higher: more likely right), the scale the routing thresholds use. */
    public double confidence(FailureInput in) {
        return 1 - failureProbability(in);
    }

    double failureLogit(FailureInput in) {
        double[] fixed = standardised(fixedFeatures(in, text));
        double[] z = attended(in.image());
        double[] x = new double[fixed.length + z.length];
        System.arraycopy(fixed, 0, x, 0, fixed.length);
        System.arraycopy(z, 0, x, fixed.length, z.length);
        double[] h1 = relu(affine(x, w1, b1));
        double[] h2 = relu(affine(h1, w2, b2));
        double logit = b3;
        for (int i = 0; i < h2.length; i++) {
            logit += h2[i] * w3[i];
        }
        return logit;
    }

    /** The image-conditioned text embedding: softmax over classes of (image · wq)·(text_c · wk)/√h, times text · wv. */
    double[] attended(double[] image) {
        int h = wq[0].length;
        double[] q = new double[h];
        for (int i = 0; i < image.length; i++) {
            for (int j = 0; j < h; j++) {
                q[j] += image[i] * wq[i][j];
            }
        }
        double[] a = new double[keys.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < keys.length; c++) {
            double s = 0;
            for (int j = 0; j < h; j++) {
                s += q[j] * keys[c][j];
            }
            a[c] = s / Math.sqrt(h);
            max = Math.max(max, a[c]);
        }
        double total = 0;
        for (int c = 0; c < a.length; c++) {
            a[c] = Math.exp(a[c] - max);
            total += a[c];
        }
        double[] z = new double[h];
        for (int c = 0; c < a.length; c++) {
            for (int j = 0; j < h; j++) {
                z[j] += a[c] / total * values[c][j];
            }
        }
        return z;
    }

    /** [image (d), the predicted class's text embedding (d), logit means (K), log logit variances (K), scores]. */
    static double[] fixedFeatures(FailureInput in, float[][] text) {
        int d = in.image().length;
        int k = in.logitsMean().length;
        double[] f = new double[2 * d + 2 * k + in.scores().length];
        System.arraycopy(in.image(), 0, f, 0, d);
        for (int i = 0; i < d; i++) {
            f[d + i] = text[in.predicted()][i];
        }
        System.arraycopy(in.logitsMean(), 0, f, 2 * d, k);
        for (int c = 0; c < k; c++) {
            f[2 * d + k + c] = Math.log(Math.max(in.logitsVar()[c], 1e-12));
        }
        System.arraycopy(in.scores(), 0, f, 2 * d + 2 * k, in.scores().length);
        return f;
    }

    double[] standardised(double[] f) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (f[i] - featureMean[i]) / featureStd[i];
        }
        return out;
    }

    private static double[] affine(double[] x, float[][] w, float[] b) {
        double[] out = new double[b.length];
        for (int j = 0; j < b.length; j++) {
            out[j] = b[j];
        }
        for (int i = 0; i < x.length; i++) {
            double xi = x[i];
            float[] row = w[i];
            for (int j = 0; j < out.length; j++) {
                out[j] += xi * row[j];
            }
        }
        return out;
    }

    private static double[] relu(double[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, v[i]);
        }
        return v;
    }

    private static double[][] times(float[][] a, float[][] b) {
        double[][] out = new double[a.length][b[0].length];
        for (int r = 0; r < a.length; r++) {
            for (int i = 0; i < b.length; i++) {
                for (int c = 0; c < b[0].length; c++) {
                    out[r][c] += (double) a[r][i] * b[i][c];
                }
            }
        }
        return out;
    }

    // ---- the file

    public void save(Path file) throws IOException {
        Npz.write(file, arrays(true));
    }

    /** The file's arrays; without {@code text} for the compact form (every reader has the model's). */
    private Map<String, NpyArray> arrays(boolean withText) {
        Map<String, NpyArray> a = new LinkedHashMap<>();
        a.put("format", NpyArray.vector(FORMAT));
        if (withText) {
            a.put("text", matrix(text));
        }
        a.put("feature_mean", NpyArray.vector(featureMean));
        a.put("feature_std", NpyArray.vector(featureStd));
        a.put("wq", matrix(wq));
        a.put("wk", matrix(wk));
        a.put("wv", matrix(wv));
        a.put("w1", matrix(w1));
        a.put("b1", NpyArray.vector(b1));
        a.put("w2", matrix(w2));
        a.put("b2", NpyArray.vector(b2));
        a.put("w3", NpyArray.vector(w3));
        a.put("b3", NpyArray.vector(b3));
        return a;
    }

    /**
     * The compact form for Flink state and for records: every array of the file but {@code text}, each as its name,
     * shape and float32 values. {@link #read} checks it as {@link #load} checks a file.
     */
    public void write(java.io.DataOutput out) throws IOException {
        Map<String, NpyArray> a = arrays(false);
        out.writeInt(a.size());
        for (Map.Entry<String, NpyArray> e : a.entrySet()) {
            out.writeUTF(e.getKey());
            int[] shape = e.getValue().shape();
            out.writeByte(shape.length);
            for (int n : shape) {
                out.writeInt(n);
            }
            for (float v : e.getValue().data()) {
                out.writeFloat(v);
            }
        }
    }

    /**
     * Bytes of {@link #write}'s form for a predictor of {@code classes} classes of embedding width {@code dim} trained
     * with {@code o}: what the job publishes per learned version, checked against the producers' size limit at start.
     */
    public static long compactBytes(int classes, int dim, FailureTraining.Options o) {
        int n = 2 * dim + 2 * classes + SCORES;
        FailurePredictor zero = new FailurePredictor(
                new float[classes][dim],
                new float[n],
                new float[n],
                new float[dim][o.attention()],
                new float[dim][o.attention()],
                new float[dim][o.attention()],
                new float[n + o.attention()][o.hidden1()],
                new float[o.hidden1()],
                new float[o.hidden1()][o.hidden2()],
                new float[o.hidden2()],
                new float[o.hidden2()],
                0f);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            zero.write(new java.io.DataOutputStream(bytes));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.size();
    }

    /** Reads {@link #write}'s form for a model whose unit class text embeddings are {@code modelText}. */
    public static FailurePredictor read(java.io.DataInput in, double[][] modelText) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 64) {
            throw new ModelFormatException("failure predictor: " + count + " arrays");
        }
        Map<String, NpyArray> a = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int rank = in.readUnsignedByte();
            if (rank != 1 && rank != 2) {
                throw new ModelFormatException("failure predictor: array '" + name + "' has rank " + rank);
            }
            int[] shape = new int[rank];
            long size = 1;
            for (int r = 0; r < rank; r++) {
                shape[r] = in.readInt();
                size *= shape[r];
                if (shape[r] < 0 || size > Integer.MAX_VALUE / 4) {
                    throw new ModelFormatException("failure predictor: array '" + name + "' has a bad shape");
                }
            }
            float[] data = new float[(int) size];
            for (int j = 0; j < data.length; j++) {
                data[j] = in.readFloat();
            }
            a.put(name, rank == 1 ? NpyArray.vector(data) : NpyArray.matrix(shape[0], shape[1], data));
        }
        float[] flat = new float[modelText.length * modelText[0].length];
        for (int c = 0; c < modelText.length; c++) {
            for (int j = 0; j < modelText[0].length; j++) {
                flat[c * modelText[0].length + j] = (float) modelText[c][j];
            }
        }
        a.put("text", NpyArray.matrix(modelText.length, modelText[0].length, flat));
        return check(a, Path.of("(failure predictor record)"), modelText);
    }

    /**
     * Loads and checks a predictor for a model whose unit class text embeddings are {@code modelText} [K][d]: every
     * array present, finite and of the shape the others imply, and trained with this model's class embeddings.
     */
    public static FailurePredictor load(Path file, double[][] modelText) throws IOException {
        return check(Npz.read(file), file, modelText);
    }

    private static FailurePredictor check(Map<String, NpyArray> a, Path file, double[][] modelText) {
        NpyArray format = require(a, "format", 1);
        if (format.data().length != 1 || format.data()[0] != FORMAT) {
            throw new ModelFormatException(file + ": array 'format' is " + format + ", this version reads " + FORMAT);
        }
        NpyArray text = require(a, "text", 2);
        int k = text.rows();
        int d = text.cols();
        if (k != modelText.length || d != modelText[0].length) {
            throw new ModelFormatException(file + ": array 'text' is " + text.shapeString() + " but the model has "
                    + modelText.length + " classes of dimension " + modelText[0].length);
        }
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < d; i++) {
                if (Math.abs(text.get(c, i) - modelText[c][i]) > 1e-4) {
                    throw new ModelFormatException(file + ": array 'text' differs from this model's class embeddings"
                            + " (class " + c + "): the predictor was trained for another model or prompts");
                }
            }
        }
        int n = 2 * d + 2 * k + SCORES;
        NpyArray wq = require(a, "wq", 2);
        int h = wq.cols();
        NpyArray w1 = require(a, "w1", 2);
        int h1 = w1.cols();
        NpyArray w2 = require(a, "w2", 2);
        int h2 = w2.cols();
        expect(file, "feature_mean", require(a, "feature_mean", 1), n);
        expect(file, "feature_std", require(a, "feature_std", 1), n);
        expect(file, "wq", wq, d, h);
        expect(file, "wk", require(a, "wk", 2), d, h);
        expect(file, "wv", require(a, "wv", 2), d, h);
        expect(file, "w1", w1, n + h, h1);
        expect(file, "b1", require(a, "b1", 1), h1);
        expect(file, "w2", w2, h1, h2);
        expect(file, "b2", require(a, "b2", 1), h2);
        expect(file, "w3", require(a, "w3", 1), h2);
        expect(file, "b3", require(a, "b3", 1), 1);
        for (float s : a.get("feature_std").data()) {
            if (!(s > 0)) {
                throw new ModelFormatException(file + ": array 'feature_std' holds " + s + ": must be positive");
            }
        }
        return new FailurePredictor(
                rows(text),
                a.get("feature_mean").data(),
                a.get("feature_std").data(),
                rows(wq),
                rows(a.get("wk")),
                rows(a.get("wv")),
                rows(w1),
                a.get("b1").data(),
                rows(w2),
                a.get("b2").data(),
                a.get("w3").data(),
                a.get("b3").data()[0]);
    }

    private static NpyArray require(Map<String, NpyArray> a, String name, int rank) {
        NpyArray v = a.get(name);
        if (v == null) {
            throw new ModelFormatException("failure predictor: array '" + name + "' is missing");
        }
        if (v.rank() != rank) {
            throw new ModelFormatException(
                    "failure predictor: array '" + name + "' has shape " + v.shapeString() + ", expected rank " + rank);
        }
        for (float x : v.data()) {
            if (!Float.isFinite(x)) {
                throw new ModelFormatException("failure predictor: array '" + name + "' holds " + x);
            }
        }
        return v;
    }

    private static void expect(Path file, String name, NpyArray v, int... shape) {
        if (!java.util.Arrays.equals(v.shape(), shape)) {
            throw new ModelFormatException(file + ": array '" + name + "' has shape " + v.shapeString() + ", expected "
                    + java.util.Arrays.toString(shape));
        }
    }

    private static NpyArray matrix(float[][] m) {
        float[] flat = new float[m.length * m[0].length];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, flat, r * m[0].length, m[0].length);
        }
        return NpyArray.matrix(m.length, m[0].length, flat);
    }

    static float[][] rows(NpyArray a) {
        float[][] out = new float[a.rows()][a.cols()];
        for (int r = 0; r < out.length; r++) {
            System.arraycopy(a.data(), r * a.cols(), out[r], 0, a.cols());
        }
        return out;
    }
}
