package io.bayesvlm.core.data;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.image.ImagePreprocessor;
import io.bayesvlm.core.image.ImageRejectedException;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Pre-projection image activations of a labelled data set (optionally shifted), computed with a model's
 * encoder in batches. Items that do not decode are skipped and counted.
 */
public final class Activations {

    /** Receives progress: items done out of total. */
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (done, total) -> {};
    }

    /** One encoder batch: activations and labels of consecutive (non-skipped) items. */
    public record Batch(float[][] activations, int[] labels) {}

    /** All activations of a data set. */
    public record Result(float[][] activations, int[] labels, int skipped, List<String> skippedExamples) {}

    private Activations() {}

    /** Calls {@code sink} with consecutive batches of at most {@code batchSize} items. */
    public static int forEachBatch(
            BayesVlmModel model,
            LabelledImages data,
            ImageShift shift,
            int severity,
            long seed,
            int batchSize,
            java.util.function.Consumer<Batch> sink,
            Progress progress,
            List<String> skippedExamples) {
        int per = model.loader().tensorSize();
        int channels = model.spec().image().channels();
        ImagePreprocessor pre = new ImagePreprocessor(model.spec().image());
        int skipped = 0;
        int n = data.size();
        float[] pixels = new float[batchSize * per];
        int[] labels = new int[batchSize];
        int filled = 0;
        for (int i = 0; i < n; i++) {
            try {
                BufferedImage img = data.image(i);
                float[][] planes = ImagePreprocessor.channelPlanes(img, channels);
                if (shift != ImageShift.NONE) {
                    planes = shift.apply(planes, img.getWidth(), img.getHeight(), severity, seed + i);
                }
                pre.toTensor(planes, img.getWidth(), img.getHeight(), pixels, filled * per);
                labels[filled++] = data.label(i);
            } catch (ImageRejectedException e) {
                skipped++;
                if (skippedExamples != null && skippedExamples.size() < 5) {
                    skippedExamples.add(data.name(i) + ": " + e.getMessage());
                }
            }
            if (filled == batchSize || (i == n - 1 && filled > 0)) {
                float[][] act = model.activations(pixels, filled);
                sink.accept(new Batch(act, java.util.Arrays.copyOf(labels, filled)));
                filled = 0;
                progress.update(i + 1, n);
            }
        }
        return skipped;
    }

    /** Activations of the whole data set. */
    public static Result all(
            BayesVlmModel model, LabelledImages data, ImageShift shift, int severity, long seed, Progress progress) {
        List<float[]> acts = new ArrayList<>(data.size());
        List<Integer> labels = new ArrayList<>(data.size());
        List<String> examples = new ArrayList<>();
        int skipped = forEachBatch(
                model,
                data,
                shift,
                severity,
                seed,
                model.options().batchSize(),
                b -> {
                    for (int i = 0; i < b.labels().length; i++) {
                        acts.add(b.activations()[i]);
                        labels.add(b.labels()[i]);
                    }
                },
                progress,
                examples);
        return new Result(
                acts.toArray(float[][]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                skipped,
                examples);
    }
}
