package io.bayesvlm.core.image;

import io.bayesvlm.core.model.ModelSpec;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Turns a decoded image into the model's input tensor, float32 CHW:
 * convert to the model's channels (RGB, or ITU-R 601-2 luminance for one channel, as PIL's "L" mode);
 * if the image is not already H × W, resize with bicubic filtering so that it covers H × W (for a square
 * target: the shortest side becomes the target, as CLIP does) and centre-crop; scale to [0, 1];
 * normalise (x − mean) / std per channel. Alpha is dropped, as PIL's {@code convert("RGB")} does.
 *
 * <p>The first steps end in 8-bit values (the resize rounds to 8 bits, as PIL does), so an image can travel at the
 * model's resolution as {@link #pixels} (one byte per value, a quarter of the float tensor) and be normalised where
 * it is scored ({@link #normalise}); {@code normalise(pixels(image))} is exactly {@link #toTensor(BufferedImage)}.
 * Immutable and thread-safe.
 */
public final class ImagePreprocessor {

    private final ModelSpec.ImageSpec spec;

    public ImagePreprocessor(ModelSpec.ImageSpec spec) {
        this.spec = spec;
    }

    /** Number of floats per image: C · H · W (also the number of bytes of {@link #pixels}). */
    public int tensorSize() {
        return spec.channels() * spec.height() * spec.width();
    }

    /** Preprocesses into a fresh array of {@link #tensorSize()} floats. */
    public float[] toTensor(BufferedImage image) {
        float[] out = new float[tensorSize()];
        normalise(pixels(image), out, 0);
        return out;
    }

    /**
     * The image converted to the model's channels, resized and centre-cropped to H × W: {@link #tensorSize()}
     * unsigned bytes, CHW. A grey image for a three-channel model is resized once and replicated.
     */
    public byte[] pixels(BufferedImage image) {
        int channels = spec.channels();
        float[][] cropped;
        if (channels > 1 && isGrey(image)) {
            cropped = new float[channels][];
            java.util.Arrays.fill(
                    cropped, resizeAndCrop(channelPlanes(image, 1), image.getWidth(), image.getHeight())[0]);
        } else {
            cropped = resizeAndCrop(channelPlanes(image, channels), image.getWidth(), image.getHeight());
        }
        // Whole numbers in 0..255 (as decoding and the resize give them): exact as unsigned bytes.
        int hw = spec.height() * spec.width();
        byte[] out = new byte[tensorSize()];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < hw; i++) {
                out[c * hw + i] = (byte) (int) cropped[c][i];
            }
        }
        return out;
    }

    /** {@link #pixels} to the normalised tensor, written into {@code out} at {@code offset}. */
    public void normalise(byte[] pixels, float[] out, int offset) {
        if (pixels.length != tensorSize()) {
            throw new IllegalArgumentException(pixels.length + " pixel values; this model takes " + tensorSize());
        }
        int hw = spec.height() * spec.width();
        for (int c = 0; c < spec.channels(); c++) {
            float mean = spec.mean()[c];
            float std = spec.std()[c];
            int base = c * hw;
            for (int i = 0; i < hw; i++) {
                out[offset + base + i] = ((pixels[base + i] & 0xFF) / 255f - mean) / std;
            }
        }
    }

    /**
     * Preprocesses planes already in the model's channels (values on the 0..255 scale, row-major srcW × srcH), as
     * {@link #channelPlanes} returns them or a shift made of them (not necessarily whole numbers), into
     * {@code out} at {@code offset}.
     */
    public void toTensor(float[][] planes, int srcW, int srcH, float[] out, int offset) {
        if (planes.length != spec.channels()) {
            throw new IllegalArgumentException(planes.length + " planes for a " + spec.channels() + "-channel model");
        }
        float[][] p = resizeAndCrop(planes, srcW, srcH);
        int hw = spec.height() * spec.width();
        for (int c = 0; c < p.length; c++) {
            float mean = spec.mean()[c];
            float std = spec.std()[c];
            float[] plane = p[c];
            int base = offset + c * hw;
            for (int i = 0; i < hw; i++) {
                out[base + i] = (plane[i] / 255f - mean) / std;
            }
        }
    }

    /** Resized to cover H × W (if not already H × W) and centre-cropped: planes of H · W values. */
    private float[][] resizeAndCrop(float[][] planes, int srcW, int srcH) {
        int h = spec.height();
        int w = spec.width();
        if (srcW == w && srcH == h) {
            return planes;
        }
        double scale = Math.max((double) h / srcH, (double) w / srcW);
        int newW = Math.max(w, (int) (srcW * scale));
        int newH = Math.max(h, (int) (srcH * scale));
        // Centre crop; torchvision rounds the offset half-to-even.
        int top = (int) Math.rint((newH - h) / 2.0);
        int left = (int) Math.rint((newW - w) / 2.0);
        float[][] out = new float[planes.length][];
        for (int c = 0; c < planes.length; c++) {
            float[] resized = Bicubic.resize(planes[c], srcW, srcH, newW, newH);
            float[] cropped = new float[h * w];
            for (int y = 0; y < h; y++) {
                System.arraycopy(resized, (y + top) * newW + left, cropped, y * w, w);
            }
            out[c] = cropped;
        }
        return out;
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
