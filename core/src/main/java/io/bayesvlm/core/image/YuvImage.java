package io.bayesvlm.core.image;

/**
 * A JPEG decoded as its Y, Cb and Cr planes, upright (EXIF orientation applied to each plane): luma
 * {@code width} × {@code height}, chroma {@code chromaWidth} × {@code chromaHeight}, one chroma sample spanning
 * {@code chromaWide} × {@code chromaTall} luma samples (centred, as JFIF sites it). Full-range 8-bit samples.
 */
record YuvImage(
        byte[] y,
        byte[] cb,
        byte[] cr,
        int width,
        int height,
        int chromaWidth,
        int chromaHeight,
        int chromaWide,
        int chromaTall) {

    /** Decoded planes in stored order, turned upright: swapping sides swaps the chroma factors too. */
    static YuvImage upright(TurboJpeg.Planes p, int chromaWide, int chromaTall, int orientation) {
        boolean swap = Orientation.swapsSides(orientation);
        return new YuvImage(
                Orientation.apply(p.y(), p.width(), p.height(), 1, orientation),
                Orientation.apply(p.cb(), p.chromaWidth(), p.chromaHeight(), 1, orientation),
                Orientation.apply(p.cr(), p.chromaWidth(), p.chromaHeight(), 1, orientation),
                swap ? p.height() : p.width(),
                swap ? p.width() : p.height(),
                swap ? p.chromaHeight() : p.chromaWidth(),
                swap ? p.chromaWidth() : p.chromaHeight(),
                swap ? chromaTall : chromaWide,
                swap ? chromaWide : chromaTall);
    }

    /**
     * Full-range YCbCr to 8-bit RGB as JFIF defines it (R = Y + 1.402 Cr', G = Y − 0.34414 Cb' − 0.71414 Cr',
     * B = Y + 1.772 Cb', with Cb' = Cb − 128; 16-bit fixed-point coefficients, as libjpeg-turbo's), from resized
     * planes that keep {@link Bicubic#FRACTION_BITS} fraction bits: one rounding, at the end; CHW planes out.
     */
    static byte[] toRgb(int[] y, int[] cb, int[] cr) {
        return toRgb(y, cb, cr, y.length);
    }

    /** {@link #toRgb(int[], int[], int[])} of the first {@code n} samples of each plane. */
    static byte[] toRgb(int[] y, int[] cb, int[] cr, int n) {
        byte[] rgb = new byte[3 * n];
        int f = Bicubic.FRACTION_BITS;
        int offset = 128 << f;
        int shift = SCALE + f;
        int half = 1 << (shift - 1);
        for (int i = 0; i < n; i++) {
            // samples with f fraction bits: the sums keep them, one rounding at the end; ints suffice (at most
            // 4080 · 2^16 + 1.772 · 2^16 · 2048 < 2^31) and are twice as fast as longs
            int l = (y[i] << SCALE) + half;
            int b = cb[i] - offset;
            int r = cr[i] - offset;
            rgb[i] = clamp8((l + CR_R * r) >> shift);
            rgb[n + i] = clamp8((l - CB_G * b - CR_G * r) >> shift);
            rgb[2 * n + i] = clamp8((l + CB_B * b) >> shift);
        }
        return rgb;
    }

    /** 0 below 0, 255 above 255, without branches. */
    private static byte clamp8(int v) {
        int positive = v & ~(v >> 31);
        return (byte) (positive | ((255 - positive) >> 31));
    }

    /** The first {@code n} grey samples with {@link Bicubic#FRACTION_BITS} fraction bits, rounded to 8 bits. */
    static byte[] toGrey(int[] y, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = clamp8((y[i] + (1 << (Bicubic.FRACTION_BITS - 1))) >> Bicubic.FRACTION_BITS);
        }
        return out;
    }

    private static final int SCALE = 16;
    private static final int CR_R = fix(1.40200);
    private static final int CB_G = fix(0.34414);
    private static final int CR_G = fix(0.71414);
    private static final int CB_B = fix(1.77200);

    private static int fix(double x) {
        return (int) (x * (1 << SCALE) + 0.5);
    }
}
