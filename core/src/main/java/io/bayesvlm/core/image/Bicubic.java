package io.bayesvlm.core.image;

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
        float[] horizontal = width == outWidth ? plane : resample(plane, width, height, outWidth, true);
        return height == outHeight ? horizontal : resample(horizontal, outWidth, height, outHeight, false);
    }

    private static float[] resample(float[] in, int width, int height, int outSize, boolean alongRows) {
        int inSize = alongRows ? width : height;
        Weights w = weights(inSize, outSize);
        int outWidth = alongRows ? outSize : width;
        int outHeight = alongRows ? height : outSize;
        float[] out = new float[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                int o = alongRows ? x : y;
                double sum = 0;
                double[] k = w.coeffs[o];
                int start = w.start[o];
                for (int i = 0; i < k.length; i++) {
                    int src = start + i;
                    sum += k[i] * (alongRows ? in[y * width + src] : in[src * width + x]);
                }
                out[y * outWidth + x] = (float) clamp8(Math.floor(sum + 0.5));
            }
        }
        return out;
    }

    private record Weights(int[] start, double[][] coeffs) {}

    /** For each output index, the first contributing input index and the normalised kernel weights. */
    private static Weights weights(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int[] start = new int[outSize];
        double[][] coeffs = new double[outSize][];
        for (int o = 0; o < outSize; o++) {
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
            start[o] = min;
            coeffs[o] = k;
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

    private static double clamp8(double v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
