package io.bayesvlm.core.image;

/**
 * Limits applied to every input before it is decoded.
 *
 * @param maxBytes largest accepted encoded size
 * @param maxPixels largest accepted width × height, read from the header (decompression-bomb guard)
 * @param maxSide largest accepted width or height, read from the header
 */
public record ImageLimits(long maxBytes, long maxPixels, int maxSide) implements java.io.Serializable {

    /** 16 MiB, 40 megapixels, 16384 px per side: above any real photo, far below what exhausts a heap. */
    public static final ImageLimits DEFAULTS = new ImageLimits(16L << 20, 40_000_000L, 16_384);

    public ImageLimits {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("max-bytes must be positive, got " + maxBytes);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("max-pixels must be positive, got " + maxPixels);
        }
        if (maxSide < 1) {
            throw new IllegalArgumentException("max-side must be positive, got " + maxSide);
        }
    }
}
