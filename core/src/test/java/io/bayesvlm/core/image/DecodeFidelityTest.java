package io.bayesvlm.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.model.DeviceSpec;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Preprocessing fidelity of the fast path (libjpeg-turbo at a reduced DCT scale, then PIL's bicubic) against the
 * reference (a full-resolution decode, then the same resize), on a labelled set of photo-sized JPEGs: 300 images of
 * the committed sample, each enlarged to W × H (bicubic, the picture centred on a black canvas the centre crop
 * removes), with seeded sensor-like noise, saved at JPEG quality 95. Scored by the built-in model, whose 28-pixel
 * input makes this the strongest reduction there is (1/8).
 *
 * <p>The tolerance, in the worst case of the default oversampling (a DC-only 1/8 decode left at exactly
 * {@link ImageDecoder#JPEG_OVERSAMPLE} times the input): probabilities move by at most 0.002 on average and 0.1 at
 * most, the predicted class changes for at most 1% of the images, accuracy stays within one percentage point. For
 * scale, the same photos saved at quality 75 instead of 95 are scored too; every figure is printed
 * (docs/performance.md has them for oversampling 1 to 3: at 1, the rule Pillow's draft mode follows, 3% of the
 * classes changed here).
 */
class DecodeFidelityTest {

    static final int N = 300;
    /**
     * The photos' height: the largest the default reduction decodes at 1/8, where the decoded image is only
     * {@link ImageDecoder#JPEG_OVERSAMPLE} times the model's 28 pixels (the worst case of the default).
     */
    static final int H = (int) Math.floor(28 * 8 * ImageDecoder.JPEG_OVERSAMPLE);

    static final int W = H * 4 / 3;

    @Test
    void theFastPathMovesPredictionsLessThanTheStatedTolerance() throws Exception {
        Assumptions.assumeTrue(
                ImageDecoder.nativeJpegAvailable(),
                "fast path not testable here: " + ImageDecoder.nativeJpegUnavailableReason());
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        try (BayesVlmModel model = BayesVlmModel.load(
                root.resolve("models/fashion-clip"),
                ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU).withBatchSize(100))) {
            List<SampleImages.Item> items = SampleImages.items(root.resolve("models/fashion-mnist-sample"))
                    .subList(0, N);
            ImageLoader fast = new ImageLoader(model.spec().image(), ImageLimits.DEFAULTS, true);
            ImageDecoder fullResolution = new ImageDecoder(ImageLimits.DEFAULTS, false);
            ImagePreprocessor preprocessor = new ImagePreprocessor(model.spec().image());
            List<byte[]> fastPixels = new ArrayList<>();
            List<byte[]> referencePixels = new ArrayList<>();
            List<byte[]> resavedPixels = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            Random noise = new Random(23);
            for (SampleImages.Item item : items) {
                BufferedImage picture = photo(ImageIO.read(item.file().toFile()), noise);
                byte[] photo = PhotoFixtures.jpeg(picture, 0.95f);
                fastPixels.add(fast.loadPixels(photo));
                referencePixels.add(preprocessor.pixels(fullResolution.decode(photo)));
                resavedPixels.add(preprocessor.pixels(fullResolution.decode(PhotoFixtures.jpeg(picture, 0.75f))));
                labels.add(model.spec().classIds().indexOf(item.label()));
            }
            List<Prediction> reference = model.scorePixels(referencePixels);
            Movement fastPath = Movement.between(model.scorePixels(fastPixels), reference, labels);
            Movement resaved = Movement.between(model.scorePixels(resavedPixels), reference, labels);
            System.out.printf(
                    "fidelity (built-in model, %d photos %dx%d, %d/8 DCT scale): fast path %s; the photo saved at"
                            + " quality 75 instead of 95: %s%n",
                    N, W, H, ImageDecoder.jpegEighths(ImageDecoder.JPEG_OVERSAMPLE, W, H, 28, 28), fastPath, resaved);
            assertThat(fastPath.meanDelta()).isLessThan(0.002);
            assertThat(fastPath.maxDelta()).isLessThan(0.1);
            assertThat(fastPath.changed()).isLessThanOrEqualTo(N / 100);
            assertThat(Math.abs(fastPath.right() - fastPath.referenceRight())).isLessThanOrEqualTo(N / 100);
        }
    }

    /** How far predictions moved from the reference's: |Δp| mean and largest, classes changed, right answers. */
    record Movement(double meanDelta, double maxDelta, int changed, int right, int referenceRight) {
        static Movement between(List<Prediction> p, List<Prediction> reference, List<Integer> labels) {
            double max = 0;
            double sum = 0;
            int changed = 0;
            int right = 0;
            int referenceRight = 0;
            for (int i = 0; i < p.size(); i++) {
                for (int k = 0; k < p.get(i).probs().length; k++) {
                    double d = Math.abs(p.get(i).probs()[k] - reference.get(i).probs()[k]);
                    max = Math.max(max, d);
                    sum += d;
                }
                changed += p.get(i).predicted() != reference.get(i).predicted() ? 1 : 0;
                right += p.get(i).predicted() == labels.get(i) ? 1 : 0;
                referenceRight += reference.get(i).predicted() == labels.get(i) ? 1 : 0;
            }
            return new Movement(sum / (p.size() * p.get(0).probs().length), max, changed, right, referenceRight);
        }

        @Override
        public String toString() {
            return String.format(
                    "mean |dp| %.5f, max |dp| %.4f, class changed for %d, accuracy %d vs %d right",
                    meanDelta, maxDelta, changed, right, referenceRight);
        }
    }

    /** The 28 × 28 picture at H × H in the middle of a black W × H canvas, with noise of σ = 3 levels. */
    static BufferedImage photo(BufferedImage small, Random noise) {
        BufferedImage canvas = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        var g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(small, (W - H) / 2, 0, H, H, null);
        g.dispose();
        int[] samples = canvas.getRaster().getPixels(0, 0, W, H, (int[]) null);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = Math.max(0, Math.min(255, (int) Math.round(samples[i] + 3 * noise.nextGaussian())));
        }
        canvas.getRaster().setPixels(0, 0, W, H, samples);
        return canvas;
    }
}
