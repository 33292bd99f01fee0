package io.bayesvlm.core.image;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Separable bicubic resampling of 8-bit planes, with the kernel widened when downscaling (antialiasing), as
 * PIL's {@code Image.resize(..., BICUBIC)} does, which is what CLIP-style preprocessing uses. The kernel is
 * the Keys cubic with a = −0.5; the horizontal pass runs first and each pass rounds to 8 bits, as PIL does for
 * 8-bit images, so outputs agree with PIL to within one grey level.
 */
final class Bicubic {

    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private Bicubic() {}

    /** Resizes a plane of values in [0, 255] (row-major, width × height) to outWidth × outHeight. */
    static float[] resize(float[] plane, int width, int height, int outWidth, int outHeight) {
        return resize(plane, width, height, outWidth, outHeight, 0, 0, outWidth, outHeight);
    }

    /**
     * The window {@code [left, left + cropWidth) × [top, top + cropHeight)} of {@link #resize(float[], int, int, int,
     * int)}, bit for bit, computing only the output columns and rows it keeps (a centre crop of a 16:10 photo drops
     * over a third of the resized columns). The horizontal pass runs over the input rows the vertical pass reads.
     */
    static float[] resize(
            float[] plane,
            int width,
            int height,
            int outWidth,
            int outHeight,
            int left,
            int top,
            int cropWidth,
            int cropHeight) {
        Weights wx = width == outWidth ? null : weights(width, width, outWidth, left, cropWidth);
        Weights wy = height == outHeight ? null : weights(height, height, outHeight, top, cropHeight);
        int rowFrom = wy == null ? top : wy.start[0];
        int rowTo = rowsTo(wy, top, cropHeight, height);
        float[] rows = new float[(rowTo - rowFrom) * cropWidth];
        for (int y = rowFrom; y < rowTo; y++) {
            int in = y * width;
            int out = (y - rowFrom) * cropWidth;
            if (wx == null) {
                System.arraycopy(plane, in + left, rows, out, cropWidth);
                continue;
            }
            for (int x = 0; x < cropWidth; x++) {
                double[] k = wx.coeffs[x];
                int from = in + wx.start[x];
                double sum = 0;
                for (int i = 0; i < k.length; i++) {
                    sum += k[i] * plane[from + i];
                }
                rows[out + x] = round8(sum);
            }
        }
        if (wy == null) {
            return rows;
        }
        float[] out = new float[cropWidth * cropHeight];
        double[] sums = new double[cropWidth];
        for (int y = 0; y < cropHeight; y++) {
            java.util.Arrays.fill(sums, 0);
            double[] k = wy.coeffs[y];
            for (int i = 0; i < k.length; i++) {
                double ki = k[i];
                int from = (wy.start[y] + i - rowFrom) * cropWidth;
                for (int x = 0; x < cropWidth; x++) {
                    sums[x] += ki * rows[from + x];
                }
            }
            for (int x = 0; x < cropWidth; x++) {
                out[y * cropWidth + x] = round8(sums[x]);
            }
        }
        return out;
    }

    /** PIL's fixed-point precision for 8-bit images: 32 bits less 8 for the value and 2 for the kernel's range. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    /**
     * 8-bit interleaved pixels ({@code channels} bytes each, row-major width × height) resized to outWidth ×
     * outHeight and cut to the window {@code [left, left + cropWidth) × [top, top + cropHeight)}, returned as
     * planes (CHW bytes). The arithmetic is PIL's for 8-bit images (weights in 22-bit fixed point, each pass
     * rounded and clamped to 8 bits), so the result is PIL's {@code resize(..., BICUBIC)} then crop, value for value;
     * integer sums also let the JIT vectorise the vertical pass.
     */
    static byte[] resize8(
            byte[] pixels,
            int channels,
            int width,
            int height,
            int outWidth,
            int outHeight,
            int left,
            int top,
            int cropWidth,
            int cropHeight) {
        return resize8(
                pixels, channels, width, height, width, height, outWidth, outHeight, left, top, cropWidth, cropHeight);
    }

    /**
     * {@link #resize8} of an image that stands for a larger one: pixel i of the {@code width} × {@code height} input
     * covers {@code [i·e/width...)} of an extent of {@code extentWidth} × {@code extentHeight} input pixels (a JPEG
     * decoded at 1/d: the extent is the full size over d, not rounded up as the decoded size is), so the output grid
     * is the one a full-size resize would have, not one shifted and stretched by the rounding.
     */
    static byte[] resize8(
            byte[] pixels,
            int channels,
            int width,
            int height,
            double extentWidth,
            double extentHeight,
            int outWidth,
            int outHeight,
            int left,
            int top,
            int cropWidth,
            int cropHeight) {
        Scratch scratch = SCRATCH.get();
        Axis wx = scratch.axis(extentWidth, width, outWidth, left, cropWidth);
        Axis wy = scratch.axis(extentHeight, height, outHeight, top, cropHeight);
        int[][] kx = wx == null ? null : wx.k;
        int rowFrom = wy == null ? top : wy.start[0];
        int rowTo = wy == null ? top + cropHeight : wy.to;
        int rowCount = rowTo - rowFrom;
        int plane = rowCount * cropWidth;
        // the horizontal pass, channel planes of the rows the vertical pass reads, values 0..255
        int[] rows = new int[channels * plane];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = rowFrom; y < rowTo; y++) {
            int in = y * width * channels;
            int out = (y - rowFrom) * cropWidth;
            for (int x = 0; x < cropWidth; x++) {
                if (kx == null) {
                    for (int c = 0; c < channels; c++) {
                        rows[c * plane + out + x] = pixels[in + (left + x) * channels + c] & 0xFF;
                    }
                    continue;
                }
                int[] k = kx[x];
                int from = in + wx.start[x] * channels;
                if (channels == 3) { // the common case: the three sums in one sweep over the taps
                    int s0 = half;
                    int s1 = half;
                    int s2 = half;
                    for (int i = 0, p = from; i < k.length; i++, p += 3) {
                        int ki = k[i];
                        s0 += (pixels[p] & 0xFF) * ki;
                        s1 += (pixels[p + 1] & 0xFF) * ki;
                        s2 += (pixels[p + 2] & 0xFF) * ki;
                    }
                    rows[out + x] = clip8(s0);
                    rows[plane + out + x] = clip8(s1);
                    rows[2 * plane + out + x] = clip8(s2);
                    continue;
                }
                for (int c = 0; c < channels; c++) {
                    int sum = half;
                    for (int i = 0, p = from + c; i < k.length; i++, p += channels) {
                        sum += (pixels[p] & 0xFF) * k[i];
                    }
                    rows[c * plane + out + x] = clip8(sum);
                }
            }
        }
        byte[] result = new byte[channels * cropWidth * cropHeight];
        if (wy == null) {
            for (int i = 0; i < rows.length; i++) {
                result[i] = (byte) rows[i];
            }
            return result;
        }
        int[][] ky = wy.k;
        int[] sums = new int[cropWidth];
        for (int c = 0; c < channels; c++) {
            int base = c * plane;
            for (int y = 0; y < cropHeight; y++) {
                java.util.Arrays.fill(sums, half);
                int[] k = ky[y];
                for (int i = 0; i < k.length; i++) {
                    int ki = k[i];
                    int from = base + (wy.start[y] + i - rowFrom) * cropWidth;
                    for (int x = 0; x < cropWidth; x++) {
                        sums[x] += ki * rows[from + x];
                    }
                }
                int out = (c * cropHeight + y) * cropWidth;
                for (int x = 0; x < cropWidth; x++) {
                    result[out + x] = (byte) clip8(sums[x]);
                }
            }
        }
        return result;
    }

    /**
     * One 8-bit plane ({@code width} × {@code height}, standing for an extent as in {@link #resize8}) resized and
     * cropped like {@link #resize8}, but with the vertical pass first: it then runs along rows, over contiguous
     * samples the JIT vectorises, and the horizontal pass only over the cropped rows. Same weights and fixed-point
     * arithmetic, the intermediate rounded to 8 bits in the other order; the result keeps {@link #FRACTION_BITS}
     * fraction bits for the colour conversion that follows (a JPEG's Y, Cb and Cr planes). Written into
     * {@code result} (at least {@code cropWidth × cropHeight} long), which is returned.
     */
    static int[] resizePlane(
            byte[] plane,
            int width,
            int height,
            double extentWidth,
            double extentHeight,
            int outWidth,
            int outHeight,
            int left,
            int top,
            int cropWidth,
            int cropHeight,
            int[] result) {
        Scratch scratch = SCRATCH.get();
        Axis wx = scratch.axis(extentWidth, width, outWidth, left, cropWidth);
        Axis wy = scratch.axis(extentHeight, height, outHeight, top, cropHeight);
        int colFrom = wx == null ? left : wx.start[0];
        int colTo = wx == null ? left + cropWidth : wx.to;
        int cols = colTo - colFrom;
        int[][] ky = wy == null ? null : wy.k;
        int[][] kx = wx == null ? null : wx.k;
        // Every array a pass reads or writes is indexed from 0 in its inner loop: that is the form C2 (JDK 17)
        // vectorises (with an offset into a larger array, or bytes widened on the fly, it stays scalar, several times
        // slower). So the input rows are widened to one int array each, and the transposes are explicit copies.
        int rowFrom = wy == null ? top : wy.start[0];
        int rowTo = wy == null ? top + cropHeight : wy.to;
        int[][] rows = scratch.lines(ROWS, rowTo - rowFrom, cols);
        for (int y = rowFrom; y < rowTo; y++) {
            int[] row = rows[y - rowFrom];
            for (int x = 0, in = y * width + colFrom; x < cols; x++) {
                row[x] = plane[in + x] & 0xFF;
            }
        }
        // the vertical pass: the cropped rows over the columns the horizontal pass reads, stored transposed (one
        // array per column) so that the horizontal pass also runs over contiguous samples; BLOCK rows at a time
        int[][] columns = scratch.lines(COLUMNS, cols, cropHeight);
        int[][] block = scratch.lines(LINES, BLOCK + 1, Math.max(cols, cropHeight));
        int[] sums = block[BLOCK];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y0 = 0; y0 < cropHeight; y0 += BLOCK) {
            int n = Math.min(BLOCK, cropHeight - y0);
            for (int b = 0; b < n; b++) {
                int y = y0 + b;
                if (ky == null) {
                    System.arraycopy(rows[top + y - rowFrom], 0, block[b], 0, cols);
                } else {
                    taps(rows, wy.start[y] - rowFrom, ky[y], sums, block[b], cols, half, PRECISION_BITS, 255);
                }
            }
            for (int x = 0; x < cols; x++) {
                int[] column = columns[x];
                for (int b = 0; b < n; b++) {
                    column[y0 + b] = block[b][x];
                }
            }
        }
        // the horizontal pass over the columns, BLOCK output columns at a time, transposed back
        int shift = PRECISION_BITS - FRACTION_BITS;
        for (int x0 = 0; x0 < cropWidth; x0 += BLOCK) {
            int n = Math.min(BLOCK, cropWidth - x0);
            for (int b = 0; b < n; b++) {
                int x = x0 + b;
                if (kx == null) {
                    int[] column = columns[left + x - colFrom];
                    for (int y = 0; y < cropHeight; y++) {
                        block[b][y] = column[y] << FRACTION_BITS;
                    }
                } else {
                    taps(
                            columns,
                            wx.start[x] - colFrom,
                            kx[x],
                            sums,
                            block[b],
                            cropHeight,
                            1 << (shift - 1),
                            shift,
                            255 << FRACTION_BITS);
                }
            }
            for (int b = 0; b < n; b++) {
                int[] column = block[b];
                for (int y = 0, out = x0 + b; y < cropHeight; y++, out += cropWidth) {
                    result[out] = column[y];
                }
            }
        }
        return result;
    }

    /** Output rows (or columns) computed together before one transposing copy: 16 ints are a 64-byte cache line. */
    private static final int BLOCK = 16;

    /**
     * {@link #resizePlane}'s working arrays, kept per thread between calls: the widened rows of a photo's luma alone
     * are over a megabyte, whose allocation and zeroing cost as much as the vertical pass. Up to {@link #KEPT} ints
     * are kept; a larger image gets arrays of its own.
     */
    private static final class Scratch {
        private final int[][][] lines = {new int[0][], new int[0][], new int[0][]};
        private final Map<AxisKey, Axis> axes = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<AxisKey, Axis> eldest) {
                return size() > AXES_KEPT;
            }
        };

        /**
         * One axis's weights in PIL's fixed point ({@link #weights}, {@link #fixedPoint}), null where the axis keeps
         * its size (nothing to resample); the last {@link #AXES_KEPT} geometries are kept, as a stream of photos comes
         * in a few sizes (computing them was a fifth of {@link #resizePlane}'s CPU).
         */
        Axis axis(double extent, int size, int outSize, int first, int count) {
            if (size == outSize && extent == size) {
                return null;
            }
            return axes.computeIfAbsent(new AxisKey(extent, size, outSize, first, count), key -> {
                Weights w = weights(extent, size, outSize, first, count);
                return new Axis(w.start, fixedPoint(w), rowsTo(w, first, count, size));
            });
        }

        /**
         * At least {@code count} arrays of at least {@code length} ints: those kept for {@code use} ({@link #ROWS},
         * {@link #COLUMNS} or {@link #LINES}), or larger ones, kept in turn when they hold at most {@link #KEPT}.
         */
        int[][] lines(int use, int count, int length) {
            int[][] have = lines[use];
            int haveLength = have.length == 0 ? 0 : have[0].length;
            if (have.length >= count && haveLength >= length) {
                return have;
            }
            int[][] fresh = new int[Math.max(count, have.length)][Math.max(length, haveLength)];
            if ((long) fresh.length * fresh[0].length <= KEPT) {
                lines[use] = fresh;
            }
            return fresh;
        }
    }

    private static final int AXES_KEPT = 64;

    private record AxisKey(double extent, int size, int outSize, int first, int count) {}

    /** Per output index the first input index read and the weights; {@code to}: one past the last index read. */
    private record Axis(int[] start, int[][] k, int to) {}

    /** What {@link Scratch#lines} holds: the widened input rows, the transposed columns, a block of output lines. */
    private static final int ROWS = 0;

    private static final int COLUMNS = 1;
    private static final int LINES = 2;

    private static final long KEPT = 1 << 22;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * One output line of a pass: {@code count} sums over {@code k.length} input lines from {@code lines[first]},
     * starting at {@code start} in {@code sums}, shifted right by {@code shift} and clamped to 0..{@code max} into
     * {@code out}. Four taps per sweep, so each sum is read and written a quarter as often; integer sums are exact,
     * so the order does not change them.
     */
    private static void taps(
            int[][] lines, int first, int[] k, int[] sums, int[] out, int count, int start, int shift, int max) {
        java.util.Arrays.fill(sums, 0, count, start);
        int i = 0;
        for (; i + 3 < k.length; i += 4) {
            int k0 = k[i];
            int k1 = k[i + 1];
            int k2 = k[i + 2];
            int k3 = k[i + 3];
            int[] l0 = lines[first + i];
            int[] l1 = lines[first + i + 1];
            int[] l2 = lines[first + i + 2];
            int[] l3 = lines[first + i + 3];
            for (int x = 0; x < count; x++) {
                sums[x] += k0 * l0[x] + k1 * l1[x] + k2 * l2[x] + k3 * l3[x];
            }
        }
        for (; i < k.length; i++) {
            int ki = k[i];
            int[] l = lines[first + i];
            for (int x = 0; x < count; x++) {
                sums[x] += ki * l[x];
            }
        }
        for (int x = 0; x < count; x++) {
            // clamped to 0..max with shifts and masks, which C2 vectorises (Math.min and max it does not)
            int v = sums[x] >> shift;
            v &= ~(v >> 31);
            int over = (max - v) >> 31;
            out[x] = (v & ~over) | (max & over);
        }
    }

    /** Fraction bits {@link #resizePlane} keeps in its results (its values are 0 .. 255 · 2^FRACTION_BITS). */
    static final int FRACTION_BITS = 4;

    /** The weights as PIL's 8-bit path rounds them: to the nearest multiple of 2^−22, halves away from zero. */
    private static int[][] fixedPoint(Weights w) {
        int[][] k = new int[w.coeffs.length][];
        for (int o = 0; o < k.length; o++) {
            double[] d = w.coeffs[o];
            k[o] = new int[d.length];
            for (int i = 0; i < d.length; i++) {
                double v = d[i] * (1 << PRECISION_BITS);
                k[o][i] = (int) (v < 0 ? v - 0.5 : v + 0.5);
            }
        }
        return k;
    }

    private static int clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private record Weights(int[] start, double[][] coeffs) {}

    /** One past the last input row the vertical pass reads (the cropped rows themselves when there is none). */
    private static int rowsTo(Weights wy, int top, int cropHeight, int height) {
        int rowTo = top + cropHeight;
        if (wy != null) {
            for (int o = 0; o < cropHeight; o++) {
                rowTo = Math.max(rowTo, wy.start[o] + wy.coeffs[o].length);
            }
            rowTo = Math.min(rowTo, height);
        }
        return rowTo;
    }

    /**
     * For output indices {@code first .. first + count − 1} of an inExtent → outSize resampling (of inSize pixels;
     * the extent is the size but for a reduced decode), the first contributing input index and the normalised kernel
     * weights.
     */
    private static Weights weights(double inExtent, int inSize, int outSize, int first, int count) {
        double scale = inExtent / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int[] start = new int[count];
        double[][] coeffs = new double[count][];
        for (int n = 0; n < count; n++) {
            int o = first + n;
            double center = (o + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize);
            double[] k = new double[max - min];
            double total = 0;
            for (int i = 0; i < k.length; i++) {
                k[i] = kernel((i + min - center + 0.5) / filterScale);
                total += k[i];
            }
            if (total != 0) {
                for (int i = 0; i < k.length; i++) {
                    k[i] /= total;
                }
            }
            start[n] = min;
            coeffs[n] = k;
        }
        return new Weights(start, coeffs);
    }

    /** Keys cubic convolution kernel with a = −0.5. */
    static double kernel(double x) {
        double t = Math.abs(x);
        if (t < 1) {
            return ((A + 2) * t - (A + 3)) * t * t + 1;
        }
        if (t < 2) {
            return (((t - 5) * t + 8) * t - 4) * A;
        }
        return 0;
    }

    /** Rounded half up and clamped to 0..255, as PIL's 8-bit passes. */
    private static float round8(double v) {
        double r = Math.floor(v + 0.5);
        return (float) (r < 0 ? 0 : Math.min(r, 255));
    }
}
