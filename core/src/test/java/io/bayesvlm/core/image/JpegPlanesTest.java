package io.bayesvlm.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.model.ModelSpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A YCbCr JPEG on the native path reaches the model as its planes, resized each at its own resolution and converted
 * to RGB only at the model's size: checked against converting the decoded image first (the path every other input
 * takes, at the same DCT scale), for every EXIF orientation and every chroma subsampling, and for the picture's
 * content (its quadrants where they belong).
 */
class JpegPlanesTest {

    static final ModelSpec.ImageSpec RGB224 =
            new ModelSpec.ImageSpec(224, 224, 3, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    static final ModelSpec.ImageSpec GREY28 = new ModelSpec.ImageSpec(28, 28, 1, new float[] {0}, new float[] {1});

    @BeforeAll
    static void nativeJpeg() {
        Assumptions.assumeTrue(
                ImageDecoder.nativeJpegAvailable(),
                "planes come from libjpeg-turbo only: " + ImageDecoder.nativeJpegUnavailableReason());
    }

    /** Quadrant colours with a texture on them: what the resize has to get right besides the geometry. */
    static int picture(int x, int y, int w, int h) {
        int base = PhotoFixtures.quadrant(x, y, w, h);
        int t = (int) (12 * Math.sin(x * 0.21) * Math.cos(y * 0.17));
        int r = Math.max(0, Math.min(255, ((base >> 16) & 0xFF) + t));
        int g = Math.max(0, Math.min(255, ((base >> 8) & 0xFF) - t));
        int b = Math.max(0, Math.min(255, (base & 0xFF) + t / 2));
        return r << 16 | g << 8 | b;
    }

    @Test
    void theLoadersReusedArraysGiveWhatFreshOnesGiveAfterALargerPhotoAndWhenTurned() throws Exception {
        // The loader decodes a colour JPEG's planes into arrays its thread keeps (ThreadArrays); after a larger photo
        // they are longer than a smaller one needs, and a turned photo is rotated out of them: neither may leak.
        ImageLoader loader = new ImageLoader(RGB224, ImageLimits.DEFAULTS, true);
        ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS, true);
        ImagePreprocessor fresh = new ImagePreprocessor(RGB224);
        byte[] large = PhotoFixtures.jpeg(PhotoFixtures.stored(1920, 1200, 1, (x, y) -> picture(x, y, 1920, 1200)));
        for (int o : new int[] {1, 6, 3, 8}) {
            byte[] small = PhotoFixtures.withOrientation(
                    PhotoFixtures.jpeg(
                            PhotoFixtures.stored(700, 500, o, (x, y) -> picture(x, y, 700, 500)), 0.95f, 2, 2),
                    o);
            for (byte[] jpeg : new byte[][] {large, small, large}) {
                byte[] expected = fresh.pixels(decoder.decodeForPixels(jpeg, 224, 224));
                assertThat(loader.loadPixels(jpeg)).as("orientation %d", o).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyOrientationAndSubsamplingMatchesConvertingFirst() throws Exception {
        int w = 960;
        int h = 600;
        int[][] samplings = {{1, 1}, {2, 1}, {2, 2}, {1, 2}};
        ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS, true);
        for (ModelSpec.ImageSpec spec : new ModelSpec.ImageSpec[] {RGB224, GREY28}) {
            ImagePreprocessor convertedFirst = new ImagePreprocessor(spec);
            for (int[] s : samplings) {
                for (int o = 1; o <= 8; o++) {
                    byte[] jpeg = PhotoFixtures.withOrientation(
                            PhotoFixtures.jpeg(
                                    PhotoFixtures.stored(w, h, o, (x, y) -> picture(x, y, w, h)), 0.95f, s[0], s[1]),
                            o);
                    String what = String.format(
                            "%dx%d model, sampling %dx%d, orientation %d", spec.width(), spec.height(), s[0], s[1], o);
                    ImageDecoder.Decoded decoded = decoder.decodeForPixels(jpeg, spec.width(), spec.height());
                    assertThat(decoded.planes()).as(what).isNotNull();
                    byte[] got = new ImagePreprocessor(spec).pixels(decoded);
                    byte[] reference =
                            convertedFirst.pixels(decoder.decodeForTarget(jpeg, spec.width(), spec.height()));
                    double mean = 0;
                    int max = 0;
                    for (int i = 0; i < got.length; i++) {
                        int d = Math.abs((got[i] & 0xFF) - (reference[i] & 0xFF));
                        mean += d;
                        max = Math.max(max, d);
                    }
                    mean /= got.length;
                    // measured: means 0.12-0.67, largest 2 levels for 4:4:4 and up to 35 at the quadrants' sharp
                    // colour edges where chroma is subsampled (libjpeg's triangle upsampling before the resize,
                    // against the bicubic resize from the chroma grid itself)
                    assertThat(mean).as(what + ": mean |difference|").isLessThan(1.0);
                    assertThat(max).as(what + ": largest |difference|").isLessThanOrEqualTo(40);
                    if (spec.channels() == 3) {
                        assertQuadrants(got, spec.width(), spec.height(), what);
                        // the loader of a colour model takes this path
                        assertThat(new ImageLoader(spec, decoder).loadPixels(jpeg))
                                .isEqualTo(got);
                    }
                }
            }
        }
    }

    /** A photo cut in half is refused on this path too, cheaply, and the next one decodes. */
    @Test
    void aTruncatedPhotoIsRefusedAsCorrupt() throws Exception {
        ImageLoader loader = new ImageLoader(RGB224, ImageLimits.DEFAULTS, true);
        byte[] photo = PhotoFixtures.jpeg(PhotoFixtures.stored(1600, 1200, 1));
        loader.loadPixels(photo); // warm
        byte[] cut = java.util.Arrays.copyOf(photo, photo.length / 2);
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loader.loadPixels(cut))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo(io.bayesvlm.common.ErrorCode.CORRUPT_IMAGE));
        assertThat((threads.getCurrentThreadCpuTime() - start) / 1e6).isLessThan(50);
        assertQuadrants(loader.loadPixels(photo), 224, 224, "after the truncated photo");
    }

    /** The CHW output shows the upright picture's quadrants where they belong (the centre crop keeps all four). */
    static void assertQuadrants(byte[] chw, int w, int h, String what) {
        int[][] probes = {
            {w / 4, h / 4, PhotoFixtures.RED},
            {3 * w / 4, h / 4, PhotoFixtures.GREEN},
            {w / 4, 3 * h / 4, PhotoFixtures.BLUE},
            {3 * w / 4, 3 * h / 4, PhotoFixtures.WHITE}
        };
        int hw = w * h;
        for (int[] p : probes) {
            int i = p[1] * w + p[0];
            int rgb = (chw[i] & 0xFF) << 16 | (chw[hw + i] & 0xFF) << 8 | (chw[2 * hw + i] & 0xFF);
            assertThat(PhotoFormatsTest.close(rgb, p[2], 40))
                    .as("%s at (%d, %d): %06x, expected %06x", what, p[0], p[1], rgb, p[2])
                    .isTrue();
        }
    }
}
