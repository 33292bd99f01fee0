package io.bayesvlm.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/** Interleaved 8-bit images, BGR (3 channels) or grey (1), and their pixel arrays: what native decoders write into. */
final class Pixels {
    private Pixels() {}

    /** A fresh w × h image whose {@link #data} a decoder fills in place (BGR or grey, row-major, no padding). */
    static BufferedImage blank(int w, int h, int channels) {
        return new BufferedImage(w, h, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    }

    static byte[] data(BufferedImage image) {
        return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    }

    /** A copy of interleaved pixels as an image. */
    static BufferedImage image(byte[] interleaved, int w, int h, int channels) {
        BufferedImage image = blank(w, h, channels);
        System.arraycopy(interleaved, 0, data(image), 0, w * h * channels);
        return image;
    }
}
