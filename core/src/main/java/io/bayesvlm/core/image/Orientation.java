package io.bayesvlm.core.image;

import java.awt.image.BufferedImage;

/**
 * EXIF orientation (1–8) applied to decoded pixels, so that a phone photo stored sideways reaches the model upright
 * (as PIL's {@code ImageOps.exif_transpose}): 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise,
 * 7 transverse, 8 rotate 90° counter-clockwise. Exact (a permutation of pixels, no resampling).
 */
final class Orientation {
    private Orientation() {}

    /** Whether the orientation swaps width and height. */
    static boolean swapsSides(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /**
     * The interleaved pixels ({@code channels} bytes each, row-major {@code w} × {@code h}) in display order: a new
     * array ({@code h} × {@code w} when {@link #swapsSides}), or the same one for orientation 1.
     */
    static byte[] apply(byte[] in, int w, int h, int channels, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return in;
        }
        boolean swap = swapsSides(orientation);
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] out = new byte[w * h * channels]; // not in.length: a reused plane array may be longer
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> {
                        sx = w - 1 - x;
                        sy = y;
                    }
                    case 3 -> {
                        sx = w - 1 - x;
                        sy = h - 1 - y;
                    }
                    case 4 -> {
                        sx = x;
                        sy = h - 1 - y;
                    }
                    case 5 -> {
                        sx = y;
                        sy = x;
                    }
                    case 6 -> {
                        sx = y;
                        sy = h - 1 - x;
                    }
                    case 7 -> {
                        sx = w - 1 - y;
                        sy = h - 1 - x;
                    }
                    default -> { // 8
                        sx = w - 1 - y;
                        sy = x;
                    }
                }
                System.arraycopy(in, (sy * w + sx) * channels, out, (y * outW + x) * channels, channels);
            }
        }
        return out;
    }

    /** A decoded image in display order (the pure-Java path): its pixels as 8-bit RGB or grey, permuted. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return image;
        }
        boolean grey = image.getType() == BufferedImage.TYPE_BYTE_GRAY;
        BufferedImage normal = grey ? image : toRgb(image);
        int channels = grey ? 1 : 3;
        byte[] in = Pixels.data(normal);
        int w = normal.getWidth();
        int h = normal.getHeight();
        byte[] out = apply(in, w, h, channels, orientation);
        return swapsSides(orientation) ? Pixels.image(out, h, w, channels) : Pixels.image(out, w, h, channels);
    }

    private static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return image;
        }
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        int[] argb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        rgb.setRGB(0, 0, image.getWidth(), image.getHeight(), argb, 0, image.getWidth());
        return rgb;
    }
}
