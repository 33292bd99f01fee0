package io.bayesvlm.core.image;

/**
 * Limits applied to every input before it is decoded.
 *
 * @param maxBytes largest accepted encoded size
 * @param maxPixels largest accepted width × height, read from the header (decompression-bomb guard)
 * @param maxSide largest accepted width or height, read from the header
 * @param maxExpansion largest accepted ratio of the pixel data a PNG, GIF, BMP or WebP header declares to the encoded
 *     size, applied above {@link #EXPANSION_FLOOR} bytes of pixel data (decompression-bomb guard within the pixel
 *     limit: a 942 KB PNG may declare 216 MB of 16-bit samples, a quarter of a second of inflating)
 */
public record ImageLimits(long maxBytes, long maxPixels, int maxSide, double maxExpansion)
        implements java.io.Serializable {

    /**
     * Pixel data below this is decoded whatever the ratio: a blank 2000 × 2000 PNG is a few kilobytes and inflates in
     * milliseconds.
     */
    public static final long EXPANSION_FLOOR = 16L << 20;

    /**
     * Photos in PNG expand 1.5 to 4 times, screenshots and drawings up to a few dozen; only an almost empty image of
     * several megapixels goes beyond 100.
     */
    public static final double DEFAULT_MAX_EXPANSION = 100;

    /** 16 MiB, 40 megapixels, 16384 px per side: above any real photo, far below what exhausts a heap. */
    public static final ImageLimits DEFAULTS = new ImageLimits(16L << 20, 40_000_000L, 16_384);

    /** With the default expansion limit. */
    public ImageLimits(long maxBytes, long maxPixels, int maxSide) {
        this(maxBytes, maxPixels, maxSide, DEFAULT_MAX_EXPANSION);
    }

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
        if (!(maxExpansion >= 1)) {
            throw new IllegalArgumentException("max-expansion must be at least 1, got " + maxExpansion);
        }
    }
}
