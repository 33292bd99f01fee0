package io.bayesvlm.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link Bicubic#resizePlane} (blocked, vectorisable passes over per-thread scratch arrays) against a direct
 * implementation written here from the definition: PIL's antialiased bicubic weights, rounded to 22-bit fixed
 * point, the vertical pass rounded to 8 bits, the horizontal one keeping {@link Bicubic#FRACTION_BITS}. Equal value
 * for value, whatever the sizes, the crop, the reduced-decode extent, or what the thread resized before.
 */
class BicubicPlaneTest {

    private static final int PRECISION = 22;

    @Test
    void equalsTheDirectDefinitionOverSizesCropsAndExtents() {
        Random random = new Random(23);
        int[][] sizes = {{960, 600}, {480, 300}, {525, 840}, {224, 224}, {300, 200}, {5000, 9}, {9, 300}, {1, 1}};
        int cases = 0;
        for (int[] size : sizes) {
            for (int[] out : new int[][] {{224, 224}, {28, 28}, {100, 50}, {7, 224}}) {
                for (double stretch : new double[] {1.0, 1.004}) {
                    Case c = Case.of(size[0], size[1], out[0], out[1], stretch, random);
                    if (c != null) {
                        assertThat(c.fast()).as(c.toString()).isEqualTo(c.direct());
                        cases++;
                    }
                }
            }
        }
        assertThat(cases).isGreaterThan(40);
    }

    @Test
    void anImageLargerThanTheKeptScratchAndAnotherAfterItAreStillExact() {
        Random random = new Random(5);
        // 2200 × 2200 read whole for a 2000-pixel output: more samples than a thread keeps, then a small one
        Case large = Case.of(2200, 2200, 2000, 2000, 1.0, random);
        Case small = Case.of(480, 300, 224, 224, 1.0, random);
        assertThat(large.fast()).isEqualTo(large.direct());
        assertThat(small.fast()).isEqualTo(small.direct());
        assertThat(large.fast()).isEqualTo(large.direct());
    }

    @Test
    void threadsResizingAtOnceDoNotShareTheirScratch() throws Exception {
        Random random = new Random(11);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            cases.add(Case.of(400 + 37 * i, 300 + 23 * i, 224, 224, 1.0, random));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (Case c : cases) {
                    results.add(pool.submit(() -> java.util.Arrays.equals(c.fast(), c.direct())));
                }
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void colourConversionIsJfifRoundedOnceAndClamped() {
        Random random = new Random(3);
        int n = 20_000;
        int[] y = new int[n];
        int[] cb = new int[n];
        int[] cr = new int[n];
        int top = 255 << Bicubic.FRACTION_BITS;
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(top + 1);
            cb[i] = random.nextInt(top + 1);
            cr[i] = random.nextInt(top + 1);
        }
        // the extremes: saturated colours clamp at both ends
        y[0] = 0;
        cb[0] = 0;
        cr[0] = 0;
        y[1] = top;
        cb[1] = top;
        cr[1] = top;
        byte[] rgb = YuvImage.toRgb(y, cb, cr);
        double f = 1 << Bicubic.FRACTION_BITS;
        int largest = 0;
        for (int i = 0; i < n; i++) {
            double l = y[i] / f;
            double b = cb[i] / f - 128;
            double r = cr[i] / f - 128;
            double[] exact = {l + 1.402 * r, l - 0.34414 * b - 0.71414 * r, l + 1.772 * b};
            for (int c = 0; c < 3; c++) {
                long want = Math.max(0, Math.min(255, Math.round(exact[c])));
                largest = Math.max(largest, (int) Math.abs((rgb[c * n + i] & 0xFF) - want));
            }
        }
        // 16-bit coefficients: off by one only where the exact value is within 2^-9 of a half
        assertThat(largest).isLessThanOrEqualTo(1);
        assertThat(new int[] {rgb[0] & 0xFF, rgb[n] & 0xFF, rgb[2 * n] & 0xFF}).containsExactly(0, 135, 0);
        assertThat(new int[] {rgb[1] & 0xFF, rgb[n + 1] & 0xFF, rgb[2 * n + 1] & 0xFF})
                .containsExactly(255, 121, 255);
    }

    /** A random plane, a resize covering the output, and its centre crop. */
    private record Case(
            byte[] plane,
            int width,
            int height,
            double extentWidth,
            double extentHeight,
            int newWidth,
            int newHeight,
            int left,
            int top,
            int cropWidth,
            int cropHeight) {

        static Case of(int width, int height, int cropWidth, int cropHeight, double stretch, Random random) {
            double extentWidth = width * stretch;
            double extentHeight = height * stretch;
            double scale = Math.max((double) cropWidth / extentWidth, (double) cropHeight / extentHeight);
            int newWidth = Math.max(cropWidth, (int) Math.round(extentWidth * scale));
            int newHeight = Math.max(cropHeight, (int) Math.round(extentHeight * scale));
            byte[] plane = new byte[width * height];
            random.nextBytes(plane);
            return new Case(
                    plane,
                    width,
                    height,
                    extentWidth,
                    extentHeight,
                    newWidth,
                    newHeight,
                    (newWidth - cropWidth) / 2,
                    (newHeight - cropHeight) / 2,
                    cropWidth,
                    cropHeight);
        }

        int[] fast() {
            return Bicubic.resizePlane(
                    plane,
                    width,
                    height,
                    extentWidth,
                    extentHeight,
                    newWidth,
                    newHeight,
                    left,
                    top,
                    cropWidth,
                    cropHeight,
                    new int[cropWidth * cropHeight]);
        }

        /** Output pixel by output pixel, from the definition. */
        int[] direct() {
            int[][] ky = weights(extentHeight, height, newHeight, top, cropHeight);
            int[][] kx = weights(extentWidth, width, newWidth, left, cropWidth);
            int[] out = new int[cropWidth * cropHeight];
            for (int oy = 0; oy < cropHeight; oy++) {
                for (int ox = 0; ox < cropWidth; ox++) {
                    long sum = 1L << (PRECISION - Bicubic.FRACTION_BITS - 1);
                    for (int j = 1; j < kx[ox].length; j++) {
                        sum += (long) kx[ox][j] * vertical(ky[oy], kx[ox][0] + j - 1);
                    }
                    long v = sum >> (PRECISION - Bicubic.FRACTION_BITS);
                    out[oy * cropWidth + ox] = (int) Math.max(0, Math.min(v, 255 << Bicubic.FRACTION_BITS));
                }
            }
            return out;
        }

        /** The vertical pass at one input column, rounded to 8 bits. */
        private int vertical(int[] k, int x) {
            long sum = 1L << (PRECISION - 1);
            for (int i = 1; i < k.length; i++) {
                sum += (long) k[i] * (plane[(k[0] + i - 1) * width + x] & 0xFF);
            }
            return (int) Math.max(0, Math.min(sum >> PRECISION, 255));
        }

        /**
         * Per output index of a crop: the first input index, then the weights in fixed point; an axis that keeps its
         * size is the identity (one weight of 1).
         */
        private static int[][] weights(double extent, int size, int newSize, int first, int count) {
            int[][] w = new int[count][];
            for (int n = 0; n < count; n++) {
                if (size == newSize && extent == size) {
                    w[n] = new int[] {first + n, 1 << PRECISION};
                    continue;
                }
                double scale = extent / newSize;
                double filter = Math.max(scale, 1);
                double centre = (first + n + 0.5) * scale;
                int from = Math.max((int) (centre - 2 * filter + 0.5), 0);
                int to = Math.min((int) (centre + 2 * filter + 0.5), size);
                double[] k = new double[to - from];
                double total = 0;
                for (int i = 0; i < k.length; i++) {
                    double t = Math.abs((from + i - centre + 0.5) / filter);
                    k[i] = t < 1 ? (1.5 * t - 2.5) * t * t + 1 : t < 2 ? ((-0.5 * t + 2.5) * t - 4) * t + 2 : 0;
                    total += k[i];
                }
                w[n] = new int[k.length + 1];
                w[n][0] = from;
                for (int i = 0; i < k.length; i++) {
                    double v = (total == 0 ? k[i] : k[i] / total) * (1 << PRECISION);
                    w[n][i + 1] = (int) (v < 0 ? v - 0.5 : v + 0.5);
                }
            }
            return w;
        }

        @Override
        public String toString() {
            return width + "x" + height + " (extent " + extentWidth + "x" + extentHeight + ") to " + newWidth + "x"
                    + newHeight + ", crop " + cropWidth + "x" + cropHeight + " at " + left + "," + top;
        }
    }
}
