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
        return pixels(new ImageDecoder.Decoded(image, image.getWidth(), image.getHeight(), 1));
    }

    /**
     * {@link #pixels(BufferedImage)} of an image that may have been decoded at a reduced scale: the resize and crop
     * are laid out on its full size, so the output samples the same points of the picture as a full decode would
     * (not a grid shifted and stretched by the rounded-up reduced size, as Pillow's draft mode has it).
     */
    public byte[] pixels(ImageDecoder.Decoded decoded) {
        if (decoded.planes() != null) {
            return pixels(decoded.planes(), decoded);
        }
        BufferedImage image = decoded.image();
        int channels = spec.channels();
        int w = image.getWidth();
        int h = image.getHeight();
        int hw = spec.height() * spec.width();
        byte[] out = new byte[tensorSize()];
        if (isGrey(image) || channels == 1) {
            // one channel: the grey samples, or the luminance of the colours (PIL's "L"), resized once
            byte[] grey = resizeAndCrop(greyBytes(image), 1, false, decoded);
            for (int c = 0; c < channels; c++) {
                System.arraycopy(grey, 0, out, c * hw, hw);
            }
            return out;
        }
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return resizeAndCrop(Pixels.data(image), 3, true, decoded);
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] rgb = new byte[3 * w * h];
        for (int i = 0, p = 0; i < argb.length; i++, p += 3) {
            rgb[p] = (byte) (argb[i] >> 16);
            rgb[p + 1] = (byte) (argb[i] >> 8);
            rgb[p + 2] = (byte) argb[i];
        }
        return resizeAndCrop(rgb, 3, false, decoded);
    }

    /**
     * A JPEG's planes to the model's pixels: each plane resized at its own resolution onto the same output grid (a
     * chroma sample spans {@code chromaWide} × {@code chromaTall} luma samples), then the H × W results converted to
     * RGB. A one-channel model takes the luma plane itself (JPEG's Y is ITU-R 601 luminance, as PIL's "L"). Differs
     * from converting first by the rounding of the two passes and by clamping: at most a few levels.
     */
    private byte[] pixels(YuvImage yuv, ImageDecoder.Decoded decoded) {
        int hw = spec.height() * spec.width();
        int[] y = resizePlane(yuv.y(), yuv.width(), yuv.height(), 1, 1, decoded, 0);
        if (spec.channels() != 3) {
            byte[] grey = YuvImage.toGrey(y, hw);
            byte[] out = new byte[tensorSize()];
            for (int c = 0; c < spec.channels(); c++) {
                System.arraycopy(grey, 0, out, c * hw, hw);
            }
            return out;
        }
        int[] cb = resizePlane(
                yuv.cb(), yuv.chromaWidth(), yuv.chromaHeight(), yuv.chromaWide(), yuv.chromaTall(), decoded, 1);
        int[] cr = resizePlane(
                yuv.cr(), yuv.chromaWidth(), yuv.chromaHeight(), yuv.chromaWide(), yuv.chromaTall(), decoded, 2);
        return YuvImage.toRgb(y, cb, cr, hw);
    }

    /**
     * Interleaved 8-bit pixels (RGB, BGR when {@code bgr}, or grey) resized to cover H × W and centre-cropped, as
     * CHW planes in RGB order ({@link Bicubic#resize8}: PIL's arithmetic).
     */
    private byte[] resizeAndCrop(byte[] interleaved, int channels, boolean bgr, ImageDecoder.Decoded decoded) {
        byte[] planes = resizeAndCrop(
                interleaved,
                channels,
                decoded.image().getWidth(),
                decoded.image().getHeight(),
                decoded);
        if (bgr) {
            int hw = spec.height() * spec.width();
            byte[] blue = java.util.Arrays.copyOfRange(planes, 0, hw);
            System.arraycopy(planes, 2 * hw, planes, 0, hw);
            System.arraycopy(blue, 0, planes, 2 * hw, hw);
        }
        return planes;
    }

    /**
     * A JPEG plane: {@link Bicubic#resizePlane}, the vertical pass first, into this thread's int array
     * {@code slot} ({@link ThreadArrays}: the three are converted before the next image).
     */
    private int[] resizePlane(
            byte[] plane, int width, int height, int wide, int tall, ImageDecoder.Decoded decoded, int slot) {
        Geometry g = geometry(decoded, wide, tall);
        int hw = spec.width() * spec.height();
        return Bicubic.resizePlane(
                plane,
                width,
                height,
                g.extentW,
                g.extentH,
                g.newW,
                g.newH,
                g.left,
                g.top,
                spec.width(),
                spec.height(),
                ThreadArrays.ints(slot, hw));
    }

    /** Where the output grid lies on samples at {@code 1 / (wide, tall)} of the decoded resolution. */
    private record Geometry(double extentW, double extentH, int newW, int newH, int left, int top) {}

    private Geometry geometry(ImageDecoder.Decoded decoded, int wide, int tall) {
        int h = spec.height();
        int w = spec.width();
        int srcW = decoded.width();
        int srcH = decoded.height();
        double scale = Math.max((double) h / srcH, (double) w / srcW);
        int newW = srcW == w && srcH == h ? w : Math.max(w, (int) (srcW * scale));
        int newH = srcW == w && srcH == h ? h : Math.max(h, (int) (srcH * scale));
        // Centre crop; torchvision rounds the offset half-to-even.
        int top = (int) Math.rint((newH - h) / 2.0);
        int left = (int) Math.rint((newW - w) / 2.0);
        return new Geometry(srcW * decoded.scale() / wide, srcH * decoded.scale() / tall, newW, newH, left, top);
    }

    /** The image's interleaved samples resized to cover H × W on the full picture's grid and centre-cropped. */
    private byte[] resizeAndCrop(byte[] samples, int channels, int width, int height, ImageDecoder.Decoded decoded) {
        Geometry g = geometry(decoded, 1, 1);
        return Bicubic.resize8(
                samples,
                channels,
                width,
                height,
                g.extentW,
                g.extentH,
                g.newW,
                g.newH,
                g.left,
                g.top,
                spec.width(),
                spec.height());
    }

    /** One 8-bit value per pixel: grey samples (scaled from their bit depth), or the luminance of the colours. */
    private static byte[] greyBytes(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            return Pixels.data(image);
        }
        float[] plane = channelPlanes(image, 1)[0];
        byte[] grey = new byte[plane.length];
        for (int i = 0; i < plane.length; i++) {
            grey[i] = (byte) (int) plane[i];
        }
        return grey;
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
            out[c] = Bicubic.resize(planes[c], srcW, srcH, newW, newH, left, top, w, h);
        }
        return out;
    }

    /** The image as {@code channels} planes of 8-bit values (0..255 as floats), row-major. */
    public static float[][] channelPlanes(BufferedImage image, int channels) {
        int w = image.getWidth();
        int h = image.getHeight();
        int n = w * h;
        float[][] planes = new float[channels][n];
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR || image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // The native decoders' images: read the bytes, not pixel by pixel through the colour model (same values).
            bytePlanes(Pixels.data(image), image.getType() == BufferedImage.TYPE_BYTE_GRAY, planes);
            return planes;
        }
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

    private static void bytePlanes(byte[] data, boolean grey, float[][] planes) {
        int n = planes[0].length;
        if (grey) {
            for (int i = 0; i < n; i++) {
                float v = data[i] & 0xFF;
                for (float[] plane : planes) {
                    plane[i] = v;
                }
            }
            return;
        }
        for (int i = 0, p = 0; i < n; i++, p += 3) {
            int b = data[p] & 0xFF;
            int g = data[p + 1] & 0xFF;
            int r = data[p + 2] & 0xFF;
            if (planes.length == 1) {
                planes[0][i] = luminance(r, g, b);
            } else {
                planes[0][i] = r;
                planes[1][i] = g;
                planes[2][i] = b;
            }
        }
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
