package io.bayesvlm.core.head;

import io.bayesvlm.core.model.ModelFormatException;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The last-layer Laplace posterior of a model (the contents of head.npz) with the class prompts' text
 * embeddings precomputed: turns pre-projection image activations into {@link Prediction}s.
 *
 * <p>Text-side quantities for the fixed class set (h_c, σ²_h,c, E‖h_c‖²) are computed once here, so the
 * per-image cost is one projection (D·Dv), one quadratic form (Dv²) and K·D for the logits.
 * Immutable and thread-safe.
 */
public final class LaplaceHead {

    public static final String IMAGE_PROJECTION = "image_projection";
    public static final String IMAGE_A_INV = "image_A_inv";
    public static final String IMAGE_B_INV = "image_B_inv";
    public static final String TEXT_PROJECTION = "text_projection";
    public static final String TEXT_A_INV = "text_A_inv";
    public static final String TEXT_B_INV = "text_B_inv";
    public static final String CLASS_TEXT_ACTIVATIONS = "class_text_activations";

    private final NpyArray imageProjection;
    private final NpyArray imageAInv;
    private final double[] imageBInvDiag;
    private final ProbCosine.Embedding[] classEmbeddings;
    private final double logitScale;
    private final Predictive predictive;

    /**
     * @param head the arrays of head.npz (names as the constants of this class)
     * @param logitScale s, the multiplier (not its log)
     * @param numClasses K, the number of classes in model.json
     * @param predictive how to compute predictive probabilities
     */
    public LaplaceHead(Map<String, NpyArray> head, double logitScale, int numClasses, Predictive predictive) {
        NpyArray wImg = require(head, IMAGE_PROJECTION, 2);
        int d = wImg.rows();
        int dv = wImg.cols();
        NpyArray aImg = requireShape(head, IMAGE_A_INV, dv, dv);
        NpyArray bImg = requireShape(head, IMAGE_B_INV, d, d);
        NpyArray wTxt = require(head, TEXT_PROJECTION, 2);
        if (wTxt.rows() != d) {
            throw new ModelFormatException("head.npz: " + TEXT_PROJECTION + " has shape " + wTxt.shapeString()
                    + " but the image embedding has D=" + d + "; both projections must map to the same D");
        }
        int dt = wTxt.cols();
        NpyArray aTxt = requireShape(head, TEXT_A_INV, dt, dt);
        NpyArray bTxt = requireShape(head, TEXT_B_INV, d, d);
        NpyArray classAct = requireShape(head, CLASS_TEXT_ACTIVATIONS, numClasses, dt);
        if (numClasses < 2) {
            throw new ModelFormatException("a classifier needs at least 2 classes, the model has " + numClasses);
        }
        HeadValidation.check(wImg, aImg, bImg, wTxt, aTxt, bTxt, classAct);
        if (predictive.numClasses() != numClasses) {
            throw new IllegalArgumentException(
                    "predictive was built for " + predictive.numClasses() + " classes, the model has " + numClasses);
        }

        this.imageProjection = wImg;
        this.imageAInv = aImg;
        this.imageBInvDiag = ProbCosine.diagonal(bImg);
        this.logitScale = logitScale;
        this.predictive = predictive;

        double[] txtBInvDiag = ProbCosine.diagonal(bTxt);
        this.classEmbeddings = new ProbCosine.Embedding[numClasses];
        for (int c = 0; c < numClasses; c++) {
            float[] act = Arrays.copyOfRange(classAct.data(), c * dt, (c + 1) * dt);
            classEmbeddings[c] = ProbCosine.embed(wTxt, aTxt, txtBInvDiag, act);
            if (!(classEmbeddings[c].meanNorm() > 0)) {
                throw new ModelFormatException("array '" + CLASS_TEXT_ACTIVATIONS + "' row " + c + " projects to a zero"
                        + " text embedding: every cosine with class " + c + " would be 0/0");
            }
        }
    }

    public static LaplaceHead load(Path npz, double logitScale, int numClasses, Predictive predictive)
            throws IOException {
        try {
            return new LaplaceHead(Npz.read(npz), logitScale, numClasses, predictive);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(npz + ": " + e.getMessage(), e);
        }
    }

    /** Dv, the length of the image activations this head expects. */
    public int activationDim() {
        return imageProjection.cols();
    }

    public int numClasses() {
        return classEmbeddings.length;
    }

    public double logitScale() {
        return logitScale;
    }

    public Predictive predictive() {
        return predictive;
    }

    // For BatchedHead: the same quantities, laid out for matrix products.
    NpyArray imageProjection() {
        return imageProjection;
    }

    NpyArray imageAInv() {
        return imageAInv;
    }

    double[] imageBInvDiag() {
        return imageBInvDiag;
    }

    ProbCosine.Embedding classEmbedding(int c) {
        return classEmbeddings[c];
    }

    /** The class prompts' text embedding means, each made unit length [K][d] (what a failure predictor attends over). */
    public double[][] unitClassEmbeddings() {
        double[][] out = new double[classEmbeddings.length][];
        for (int c = 0; c < out.length; c++) {
            double[] m = classEmbeddings[c].mean();
            double n = 0;
            for (double x : m) {
                n += x * x;
            }
            n = Math.sqrt(n);
            out[c] = new double[m.length];
            for (int i = 0; i < m.length; i++) {
                out[c][i] = m[i] / n;
            }
        }
        return out;
    }

    /** The image embedding's mean alone (the projection; no variance) for one activation. */
    public double[] imageMean(float[] activation) {
        return ProbCosine.matVec(imageProjection, activation);
    }

    /** The image embedding's mean and per-dimension variance for one activation. */
    public ProbCosine.Embedding embedImage(float[] activation) {
        return ProbCosine.embed(imageProjection, imageAInv, imageBInvDiag, activation);
    }

    /** Scores one pre-projection image activation. */
    public Prediction predict(float[] activation) {
        ProbCosine.Embedding g = embedImage(activation);
        int k = classEmbeddings.length;
        double s = logitScale;
        double[] mean = new double[k];
        double[] var = new double[k];
        double[] mapLogits = new double[k];
        for (int c = 0; c < k; c++) {
            ProbCosine.Embedding h = classEmbeddings[c];
            mean[c] = s * ProbCosine.expectedCosine(g, h);
            var[c] = s * s * ProbCosine.cosineVariance(g, h);
            mapLogits[c] = s * ProbCosine.mapCosine(g, h);
        }
        Predictive.McResult mc = predictive.monteCarlo(mean, var);
        double[] probs = predictive.mode() == Predictive.Mode.MC ? mc.meanProbs() : Predictive.probit(mean, var);
        return new Prediction(
                Uncertainty.argmax(probs),
                probs,
                Predictive.softmax(mapLogits),
                mean,
                var,
                Uncertainty.of(probs, var, mc));
    }

    private static NpyArray require(Map<String, NpyArray> head, String name, int rank) {
        NpyArray a = head.get(name);
        if (a == null) {
            throw new ModelFormatException("array '" + name + "' is missing");
        }
        if (a.rank() != rank) {
            throw new ModelFormatException(
                    "array '" + name + "' must have rank " + rank + ", has shape " + a.shapeString());
        }
        return a;
    }

    private static NpyArray requireShape(Map<String, NpyArray> head, String name, int rows, int cols) {
        NpyArray a = require(head, name, 2);
        if (a.rows() != rows || a.cols() != cols) {
            throw new ModelFormatException(
                    "array '" + name + "' must have shape (" + rows + ", " + cols + "), has " + a.shapeString());
        }
        return a;
    }
}
