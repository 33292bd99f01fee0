package io.bayesvlm.core.data;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Distribution shifts for evaluation and for the demo's drifted phase, applied to 8-bit planes (values 0..255)
 * before preprocessing. Severity runs from 1 (mild) to 5 (strong):
 * <ul>
 *   <li>{@code rotate}: 15·s degrees about the centre, bilinear, black fill;</li>
 *   <li>{@code noise}: additive Gaussian noise with σ = 0.08·s of the full range, clipped; seeded per image;</li>
 *   <li>{@code contrast}: x ← m + (x − m)·(1 − 0.18·s), m the image's mean;</li>
 *   <li>{@code blur}: Gaussian blur with σ = 0.5·s pixels (edges clamped);</li>
 *   <li>{@code invert}: x ← 255 − x (severity does not apply).</li>
 * </ul>
 */
public enum ImageShift {
    NONE,
    ROTATE,
    NOISE,
    CONTRAST,
    BLUR,
    INVERT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ImageShift fromId(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown shift '" + id + "'; expected one of none, rotate, noise, contrast, blur, invert");
        }
    }

    /**
     * Returns shifted copies of the planes.
     *
     * @param seed seeds the noise; use a per-image value for independent noise across images
     */
    public float[][] apply(float[][] planes, int width, int height, int severity, long seed) {
        if (severity < 1 || severity > 5) {
            throw new IllegalArgumentException("severity must be 1..5, got " + severity);
        }
        float[][] out = new float[planes.length][];
        for (int c = 0; c < planes.length; c++) {
            out[c] = switch (this) {
                case NONE -> planes[c].clone();
                case ROTATE -> rotate(planes[c], width, height, Math.toRadians(15.0 * severity));
                case NOISE -> noise(planes[c], 0.08 * severity * 255, new SplittableRandom(seed * 31 + c));
                case CONTRAST -> contrast(planes[c], 1 - 0.18 * severity);
                case BLUR -> blur(planes[c], width, height, 0.5 * severity);
                case INVERT -> invert(planes[c]);
            };
        }
        return out;
    }

    private static float[] rotate(float[] p, int w, int h, double angle) {
        float[] out = new float[p.length];
        double cx = (w - 1) / 2.0;
        double cy = (h - 1) / 2.0;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // inverse mapping: where in the source does this output pixel come from
                double sx = cos * (x - cx) + sin * (y - cy) + cx;
                double sy = -sin * (x - cx) + cos * (y - cy) + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                double v = (1 - fx) * (1 - fy) * at(p, w, h, x0, y0)
                        + fx * (1 - fy) * at(p, w, h, x0 + 1, y0)
                        + (1 - fx) * fy * at(p, w, h, x0, y0 + 1)
                        + fx * fy * at(p, w, h, x0 + 1, y0 + 1);
                out[y * w + x] = (float) Math.rint(v);
            }
        }
        return out;
    }

    private static double at(float[] p, int w, int h, int x, int y) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0 : p[y * w + x];
    }

    private static float[] noise(float[] p, double sigma, SplittableRandom rng) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = clamp(Math.rint(p[i] + sigma * rng.nextGaussian()));
        }
        return out;
    }

    private static float[] contrast(float[] p, double factor) {
        double mean = 0;
        for (float v : p) {
            mean += v;
        }
        mean /= p.length;
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = clamp(Math.rint(mean + (p[i] - mean) * factor));
        }
        return out;
    }

    private static float[] blur(float[] p, int w, int h, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        double[] tmp = new double[p.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int i = -r; i <= r; i++) {
                    v += k[i + r] * p[y * w + Math.min(w - 1, Math.max(0, x + i))];
                }
                tmp[y * w + x] = v;
            }
        }
        float[] out = new float[p.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int i = -r; i <= r; i++) {
                    v += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
                }
                out[y * w + x] = clamp(Math.rint(v));
            }
        }
        return out;
    }

    private static float[] invert(float[] p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = 255 - p[i];
        }
        return out;
    }

    private static float clamp(double v) {
        return (float) Math.max(0, Math.min(255, v));
    }
}
