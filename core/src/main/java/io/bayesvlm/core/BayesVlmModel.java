package io.bayesvlm.core;

import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.head.BatchedHead;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.image.ImageLoader;
import io.bayesvlm.core.image.ImageRejectedException;
import io.bayesvlm.core.model.ImageEncoder;
import io.bayesvlm.core.model.ModelFormatException;
import io.bayesvlm.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded BayesVLM model (format v1): the library's entry point.
 *
 * <pre>{@code
 * try (BayesVlmModel model = BayesVlmModel.load(dir, ScoringOptions.DEFAULTS)) {
 *     List<ScoreResult> results = model.scoreEncoded(listOfImageBytes);
 * }
 * }</pre>
 *
 * <p><b>Threading:</b> an instance holds one DJL predictor and is safe to use from one thread at a time. Use one
 * instance per thread (in Flink: one per subtask). {@link #spec()}, {@link #head()} and {@link #loader()} are
 * immutable and may be shared.
 */
public final class BayesVlmModel implements AutoCloseable {

    private final ModelSpec spec;
    private final ScoringOptions options;
    private final LaplaceHead head;
    private final ImageLoader loader;
    private final ImageEncoder encoder;
    /**
     * The head for whole batches on the encoder's device, where it is the faster one ({@link BatchedHead#pays});
     * null: the double-precision {@link LaplaceHead#predict} per image (small heads on a CPU).
     */
    private final BatchedHead batchedHead;

    private BayesVlmModel(ModelSpec spec, ScoringOptions options, LaplaceHead head, ImageEncoder encoder) {
        this.spec = spec;
        this.options = options;
        this.head = head;
        this.loader = new ImageLoader(spec.image(), options.limits());
        this.encoder = encoder;
        this.batchedHead = BatchedHead.pays(head, encoder.device()) ? new BatchedHead(head, encoder.device()) : null;
    }

    /** Loads model.json, head.npz and the TorchScript image encoder on the requested device. */
    public static BayesVlmModel load(Path dir, ScoringOptions options) throws IOException {
        ModelSpec spec = ModelSpec.load(dir);
        LaplaceHead head = loadHead(spec, options);
        ModelSpec.ImageSpec img = spec.image();
        ImageEncoder encoder = new ImageEncoder(
                spec.file("image_encoder"), options.device().resolve(), img.channels(), img.height(), img.width());
        BayesVlmModel model = null;
        try {
            model = new BayesVlmModel(spec, options, head, encoder);
            model.checkActivationDim();
            return model;
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            } else {
                encoder.close();
            }
            throw e;
        }
    }

    /** Loads only the Laplace head of a model directory (no encoder): for scoring precomputed activations. */
    public static LaplaceHead loadHead(ModelSpec spec, ScoringOptions options) throws IOException {
        Predictive predictive = new Predictive(options.mode(), options.mcSamples(), options.seed(), spec.numClasses());
        return LaplaceHead.load(spec.file("head"), spec.logitScale(), spec.numClasses(), predictive);
    }

    public ModelSpec spec() {
        return spec;
    }

    public LaplaceHead head() {
        return head;
    }

    public ImageLoader loader() {
        return loader;
    }

    public ScoringOptions options() {
        return options;
    }

    /** Scores encoded images (PNG, JPEG, GIF, BMP, WebP bytes), one result per input, in input order. */
    public List<ScoreResult> scoreEncoded(List<byte[]> images) {
        List<Prepared> prepared = new ArrayList<>(images.size());
        for (byte[] bytes : images) {
            prepared.add(prepare(() -> loader.load(bytes)));
        }
        return scorePrepared(prepared);
    }

    /** Scores image files, one result per file, in input order. */
    public List<ScoreResult> scoreFiles(List<Path> files) {
        List<Prepared> prepared = new ArrayList<>(files.size());
        for (Path file : files) {
            prepared.add(prepare(() -> loader.load(file)));
        }
        return scorePrepared(prepared);
    }

    /**
     * Scores preprocessed tensors (each {@link ImageLoader#tensorSize()} floats), batching encoder calls by the
     * configured batch size.
     */
    public List<Prediction> scoreTensors(List<float[]> tensors) {
        int per = loader.tensorSize();
        return scoreInBatches(tensors.size(), (i, batch, offset) -> {
            float[] t = tensors.get(i);
            if (t.length != per) {
                throw new IllegalArgumentException(
                        "tensor " + i + " has " + t.length + " floats; this model takes " + per);
            }
            System.arraycopy(t, 0, batch, offset, per);
        });
    }

    /**
     * Scores images at the model's resolution ({@link ImageLoader#loadPixels}), normalised straight into each batch,
     * batching encoder calls by the configured batch size.
     */
    public List<Prediction> scorePixels(List<byte[]> pixels) {
        return scoreInBatches(pixels.size(), (i, batch, offset) -> loader.normalise(pixels.get(i), batch, offset));
    }

    /** Predictions, and each one's probability of being wrong under a learned failure predictor. */
    public record WithFailure(List<Prediction> predictions, double[] failureProbability) {}

    /**
     * As {@link #scorePixels(List)}, with each prediction's P(wrong) under {@code failure} (the learned routing score),
     * from the same encoder pass: the predictor reads the image embedding's mean, which the predictions do not carry.
     */
    public WithFailure scorePixels(List<byte[]> pixels, FailurePredictor failure) {
        WithEmbeddings scored = scorePixelsWithEmbeddings(pixels);
        double[] pWrong = new double[pixels.size()];
        for (int i = 0; i < pWrong.length; i++) {
            Prediction p = scored.predictions().get(i);
            pWrong[i] =
                    p.isFinite() ? failure.failureProbability(FailureInput.of(scored.imageMeans()[i], p)) : Double.NaN;
        }
        return new WithFailure(scored.predictions(), pWrong);
    }

    /** Predictions, and each image embedding's mean (what a failure predictor reads besides the prediction). */
    public record WithEmbeddings(List<Prediction> predictions, double[][] imageMeans) {}

    /** As {@link #scorePixels(List)}, with each image embedding's mean from the same encoder pass. */
    public WithEmbeddings scorePixelsWithEmbeddings(List<byte[]> pixels) {
        double[][] means = new double[pixels.size()][];
        int[] next = {0};
        List<Prediction> predictions = scoreInBatches(
                pixels.size(),
                (i, batch, offset) -> loader.normalise(pixels.get(i), batch, offset),
                (activations, batchPredictions) -> {
                    for (float[] a : activations) {
                        means[next[0]++] = head.imageMean(a);
                    }
                });
        return new WithEmbeddings(predictions, means);
    }

    /** What else is done with a batch's activations and predictions. */
    private interface BatchSeen {
        void seen(float[][] activations, List<Prediction> predictions);
    }

    /** Writes input {@code index}'s tensor into a batch at {@code offset}. */
    private interface BatchFiller {
        void fill(int index, float[] batch, int offset);
    }

    private List<Prediction> scoreInBatches(int count, BatchFiller filler) {
        return scoreInBatches(count, filler, null);
    }

    private List<Prediction> scoreInBatches(int count, BatchFiller filler, BatchSeen seen) {
        List<Prediction> out = new ArrayList<>(count);
        int per = loader.tensorSize();
        int batchSize = options.batchSize();
        for (int start = 0; start < count; start += batchSize) {
            int n = Math.min(batchSize, count - start);
            float[] batch = new float[n * per];
            for (int i = 0; i < n; i++) {
                filler.fill(start + i, batch, i * per);
            }
            float[][] activations = encoder.encode(batch, n);
            List<Prediction> predictions = predictActivations(activations);
            if (seen != null) {
                seen.seen(activations, predictions);
            }
            out.addAll(predictions);
        }
        return out;
    }

    /** The batched head's predictions for pre-projection activations (on the encoder's device). */
    public List<Prediction> predictActivations(float[][] activations) {
        if (batchedHead != null) {
            return batchedHead.predict(activations);
        }
        List<Prediction> out = new ArrayList<>(activations.length);
        for (float[] a : activations) {
            out.add(head.predict(a));
        }
        return out;
    }

    /** Pre-projection activations for preprocessed tensors (one encoder call). */
    public float[][] activations(float[] pixels, int batch) {
        return encoder.encode(pixels, batch);
    }

    @Override
    public void close() {
        if (batchedHead != null) {
            batchedHead.close();
        }
        encoder.close();
    }

    private interface Load {
        float[] get() throws ImageRejectedException;
    }

    /** An input after decoding: its tensor, or why there is none. */
    private record Prepared(float[] tensor, ScoreResult.Rejected rejected) {}

    private static Prepared prepare(Load load) {
        try {
            return new Prepared(load.get(), null);
        } catch (ImageRejectedException e) {
            return new Prepared(null, ScoreResult.Rejected.of(e));
        }
    }

    private List<ScoreResult> scorePrepared(List<Prepared> prepared) {
        List<float[]> tensors = new ArrayList<>();
        for (Prepared p : prepared) {
            if (p.tensor() != null) {
                tensors.add(p.tensor());
            }
        }
        List<Prediction> predictions = scoreTensors(tensors);
        List<ScoreResult> results = new ArrayList<>(prepared.size());
        int next = 0;
        for (Prepared p : prepared) {
            if (p.tensor() == null) {
                results.add(p.rejected());
                continue;
            }
            Prediction prediction = predictions.get(next++);
            results.add(
                    prediction.isFinite()
                            ? new ScoreResult.Scored(prediction)
                            : new ScoreResult.Rejected(ErrorCode.NON_FINITE_SCORE, nonFiniteMessage(prediction)));
        }
        return results;
    }

    /** Why a prediction cannot be used: what is not finite. */
    public static String nonFiniteMessage(Prediction p) {
        return "the model produced non-finite values for this image (" + p.nonFiniteSummary() + "); not scored";
    }

    /** Fails at load, not at the first image, if the encoder and head.npz disagree on Dv. */
    private void checkActivationDim() {
        ModelSpec.ImageSpec img = spec.image();
        float[][] act = encoder.encode(new float[loader.tensorSize()], 1);
        if (act[0].length != head.activationDim()) {
            throw new ModelFormatException(spec.dir() + ": the image encoder outputs " + act[0].length
                    + " activations but head.npz image_projection expects " + head.activationDim()
                    + " (input " + img.channels() + "x" + img.height() + "x" + img.width() + ")");
        }
    }
}
