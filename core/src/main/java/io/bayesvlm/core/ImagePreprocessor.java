package io.bayesvlm.core;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Turns a decoded image into the model's input tensor, float32 CHW:
 * convert to the model's channels (RGB, or ITU-R 601-2 luminance for one channel, as PIL's "L" mode);
 * if the image is not already H × W, resize with bicubic filtering so that it covers H × W (for a square
 * target: the shortest side becomes the target, as CLIP does) and centre-crop; scale to [0, 1];
 * normalise (x − mean) / std per channel. Alpha is dropped, as PIL's {@code convert("RGB")} does.
 * Immutable and thread-safe.
 */
public final class ImagePreprocessor {

    private final ModelSpec.ImageSpec spec;

    public ImagePreprocessor(ModelSpec.ImageSpec spec) {
        this.spec = spec;
    }

    /** Number of floats per image: C · H · W. */
    public int tensorSize() {
        return spec.channels() * spec.height() * spec.width();
    }

    /** Preprocesses into a fresh array of {@link #tensorSize()} floats. */
    public float[] toTensor(BufferedImage image) {
        float[] out = new float[tensorSize()];
        toTensor(image, out, 0);
        return out;
    }

    /** Preprocesses into {@code out} starting at {@code offset} (for building a batch in place). */
    public void toTensor(BufferedImage image, float[] out, int offset) {
        toTensor(channelPlanes(image, spec.channels()), image.getWidth(), image.getHeight(), out, offset);
    }

    /**
     * Preprocesses planes already in the model's channels (values 0..255, row-major srcW × srcH), as
     * {@link #channelPlanes} returns them, into {@code out} at {@code offset}.
     */
    public void toTensor(float[][] planes, int srcW, int srcH, float[] out, int offset) {
        int h = spec.height();
        int w = spec.width();
        if (planes.length != spec.channels()) {
            throw new IllegalArgumentException(planes.length + " planes for a " + spec.channels() + "-channel model");
        }
        float[][] p = planes.clone();
        int newW = srcW;
        int newH = srcH;
        if (srcW != w || srcH != h) {
            double scale = Math.max((double) h / srcH, (double) w / srcW);
            newW = Math.max(w, (int) (srcW * scale));
            newH = Math.max(h, (int) (srcH * scale));
            for (int c = 0; c < p.length; c++) {
                p[c] = Bicubic.resize(p[c], srcW, srcH, newW, newH);
            }
        }
        // Centre crop; torchvision rounds the offset half-to-even.
        int top = (int) Math.rint((newH - h) / 2.0);
        int left = (int) Math.rint((newW - w) / 2.0);
        for (int c = 0; c < p.length; c++) {
            float mean = spec.mean()[c];
            float std = spec.std()[c];
            float[] plane = p[c];
            int base = offset + c * h * w;
            for (int y = 0; y < h; y++) {
                int row = (y + top) * newW + left;
                for (int x = 0; x < w; x++) {
                    out[base + y * w + x] = (plane[row + x] / 255f - mean) / std;
                }
            }
        }
    }

    /** The image as {@code channels} planes of 8-bit values (0..255 as floats), row-major. */
    public static float[][] channelPlanes(BufferedImage image, int channels) {
        int w = image.getWidth();
        int h = image.getHeight();
        int n = w * h;
        float[][] planes = new float[channels][n];
        if (isGrey(image)) {
            // Read grey samples directly: getRGB would push them through a linear-to-sRGB conversion.
            Raster raster = image.getRaster();
            int bits = image.getColorModel().getComponentSize(0);
            double toByte = 255.0 / ((1L << bits) - 1);
            int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < n; i++) {
                float v = (float) Math.rint(samples[i] * toByte);
                for (float[] plane : planes) {
                    plane[i] = v;
                }
            }
            return planes;
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < n; i++) {
            int r = (argb[i] >> 16) & 0xFF;
            int g = (argb[i] >> 8) & 0xFF;
            int b = argb[i] & 0xFF;
            if (channels == 1) {
                planes[0][i] = luminance(r, g, b);
            } else {
                planes[0][i] = r;
                planes[1][i] = g;
                planes[2][i] = b;
            }
        }
        return planes;
    }

    /** L = R·299/1000 + G·587/1000 + B·114/1000, rounded, in PIL's fixed-point form. */
    static int luminance(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    private static boolean isGrey(BufferedImage image) {
        return image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && image.getColorModel().getNumColorComponents() == 1
                && !(image.getColorModel() instanceof java.awt.image.IndexColorModel);
    }
}
