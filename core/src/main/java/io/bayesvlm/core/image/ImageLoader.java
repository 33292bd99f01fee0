package io.bayesvlm.core.image;

import io.bayesvlm.core.model.ModelSpec;
import java.nio.file.Path;

/**
 * Encoded bytes or a file to the model's input tensor: limits, decoding ({@link ImageDecoder}) and
 * preprocessing ({@link ImagePreprocessor}). Needs no model weights, so a decode stage can run apart from
 * inference. Stateless and thread-safe.
 */
public final class ImageLoader {

    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final ModelSpec.ImageSpec image;

    public ImageLoader(ModelSpec.ImageSpec image, ImageLimits limits) {
        this(image, limits, true);
    }

    /** {@code nativeJpeg} false: the pure-Java decoders only ({@link ImageDecoder#ImageDecoder(ImageLimits, boolean)}). */
    public ImageLoader(ModelSpec.ImageSpec image, ImageLimits limits, boolean nativeJpeg) {
        this(image, new ImageDecoder(limits, nativeJpeg));
    }

    /** With a decoder of one's own (its limits, path and JPEG oversampling). */
    public ImageLoader(ModelSpec.ImageSpec image, ImageDecoder decoder) {
        this.decoder = decoder;
        this.preprocessor = new ImagePreprocessor(image);
        this.image = image;
    }

    public int tensorSize() {
        return preprocessor.tensorSize();
    }

    /**
     * Decodes and validates encoded image bytes and brings them to the model's resolution: 8-bit CHW values, to be
     * normalised where they are scored ({@link #normalise}); a quarter of the tensor's size, for shipping.
     */
    public byte[] loadPixels(byte[] encoded) throws ImageRejectedException {
        // colour models take a JPEG as its planes (chroma resized at its own resolution); a one-channel model needs
        // only luminance, which the converted image gives exactly as PIL's "L" and at the same cost
        return preprocessor.pixels(
                image.channels() == 3
                        ? decoder.decodeForPixelsOnce(encoded, image.width(), image.height())
                        : decoder.decodeForTarget(encoded, image.width(), image.height()));
    }

    /** {@link #loadPixels} output to the model's input tensor, written into {@code out} at {@code offset}. */
    public void normalise(byte[] pixels, float[] out, int offset) {
        preprocessor.normalise(pixels, out, offset);
    }

    /** Decodes, validates and preprocesses encoded image bytes. */
    public float[] load(byte[] encoded) throws ImageRejectedException {
        float[] out = new float[tensorSize()];
        normalise(loadPixels(encoded), out, 0);
        return out;
    }

    /** Reads a file (refusing one over the byte limit before reading it) and loads it. */
    public float[] load(Path file) throws ImageRejectedException {
        return load(decoder.read(file));
    }
}
