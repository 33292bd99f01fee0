package io.bayesvlm.core.image;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import io.bayesvlm.common.ErrorCode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes encoded image bytes (PNG, JPEG, GIF, BMP, WebP) into a {@link BufferedImage}, safely.
 *
 * <p>The format is recognised from its magic bytes, not from a file name or a declared content type. The
 * dimensions are read from the header and checked against {@link ImageLimits} before any pixel is decoded, so
 * a decompression bomb costs a few hundred bytes of parsing. A decoder warning (for example a truncated JPEG,
 * which the JDK would otherwise fill with grey) is treated as corruption. For animated GIF and WebP only the
 * first frame is used. Stateless and thread-safe.
 */
public final class ImageDecoder {

    /** The formats this decoder accepts, with how each is recognised. */
    public enum Format {
        PNG,
        JPEG,
        GIF,
        BMP,
        WEBP;

        static Format sniff(byte[] b) {
            if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
                return PNG;
            }
            if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
                return JPEG;
            }
            if (startsWith(b, 0, 'G', 'I', 'F', '8') && b.length > 5 && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
                return GIF;
            }
            if (startsWith(b, 0, 'B', 'M')) {
                return BMP;
            }
            if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
                return WEBP;
            }
            return null;
        }

        private static boolean startsWith(byte[] b, int offset, int... magic) {
            if (b.length < offset + magic.length) {
                return false;
            }
            for (int i = 0; i < magic.length; i++) {
                if ((b[offset + i] & 0xFF) != magic[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    static {
        // No temporary files: inputs are already in memory.
        ImageIO.setUseCache(false);
    }

    private static final ImageReaderSpi WEBP = new WebPImageReaderSpi();
    private static final ImageReaderSpi JPEG = twelveMonkeysJpeg();

    private final ImageLimits limits;
    private final boolean nativeJpeg;
    private final double oversample;

    /** A decoder that uses libjpeg-turbo for JPEG where it loads ({@link #nativeJpegAvailable()}). */
    public ImageDecoder(ImageLimits limits) {
        this(limits, true);
    }

    /** {@code nativeJpeg} false: the pure-Java decoders only (the fallback, and the reference for fidelity). */
    public ImageDecoder(ImageLimits limits, boolean nativeJpeg) {
        this(limits, nativeJpeg, JPEG_OVERSAMPLE);
    }

    /** With another oversampling factor than {@link #JPEG_OVERSAMPLE} (the fidelity measurements compare them). */
    public ImageDecoder(ImageLimits limits, boolean nativeJpeg, double oversample) {
        if (!(oversample >= 1)) {
            throw new IllegalArgumentException("oversample must be at least 1, got " + oversample);
        }
        this.limits = limits;
        this.nativeJpeg = nativeJpeg && TurboJpeg.available();
        this.oversample = oversample;
    }

    /** Whether libjpeg-turbo loaded in this process; {@link #nativeJpegUnavailableReason()} says why not. */
    public static boolean nativeJpegAvailable() {
        return TurboJpeg.available();
    }

    public static String nativeJpegUnavailableReason() {
        return TurboJpeg.unavailableReason();
    }

    /** Whether this decoder decodes JPEG natively, at a reduced scale when the target allows. */
    public boolean usesNativeJpeg() {
        return nativeJpeg;
    }

    /**
     * How many times the model's input a JPEG's DCT-domain reduction must leave (on the side the resize maps to the
     * target). 1 is Pillow's draft rule (the smallest scale that covers the input) and the fastest; it moved the
     * built-in model's predicted class for 3% of the fidelity set's photos. 2 changed none and moves 224-pixel inputs
     * at most as far as saving the photo again at JPEG quality 85 does (11 levels against 12), for about 5% more CPU
     * (docs/performance.md).
     */
    public static final double JPEG_OVERSAMPLE = 2.0;

    public ImageLimits limits() {
        return limits;
    }

    /**
     * How much larger than the model's input a decoded image may stay: images whose sides exceed this multiple of
     * the target's are decoded with every n-th pixel of every n-th row (ImageIO's source subsampling) into a buffer
     * still at least this many times the target, then resized as usual. A 6000 × 6000 photo for a 224 × 224 model is
     * then held as about 1000 × 1000 pixels (and never as 36 million, nor as 432 MB of float planes), whatever its
     * bit depth; images up to this size decode exactly as before.
     */
    public static final int SUBSAMPLE_ABOVE = 4;

    /**
     * A decoded image and the upright size it stands for: {@code image} is that size decoded at {@code scale} (sides
     * rounded up), or the image itself when the scale is 1.
     */
    public record Decoded(BufferedImage image, int width, int height, double scale, YuvImage planes) {
        public Decoded(BufferedImage image, int width, int height, double scale) {
            this(image, width, height, scale, null);
        }
    }

    /** Decodes the first frame of an encoded image, or explains why it cannot. */
    public BufferedImage decode(byte[] bytes) throws ImageRejectedException {
        return decode(bytes, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Decodes the first frame for a target of {@code targetWidth} × {@code targetHeight}: an image more than
     * {@link #SUBSAMPLE_ABOVE} times larger on both sides is subsampled while it is decoded, so memory stays bounded
     * by the target, not by the image.
     */
    public BufferedImage decode(byte[] bytes, int targetWidth, int targetHeight) throws ImageRejectedException {
        return decodeForTarget(bytes, targetWidth, targetHeight).image();
    }

    /**
     * {@link #decode(byte[], int, int)}, saying at what reduction: what {@link ImagePreprocessor#pixels(Decoded)}
     * needs to sample a reduced JPEG on the full image's grid.
     */
    public Decoded decodeForTarget(byte[] bytes, int targetWidth, int targetHeight) throws ImageRejectedException {
        return decode(bytes, targetWidth, targetHeight, false, false);
    }

    /**
     * {@link #decodeForTarget} for {@link ImagePreprocessor#pixels(Decoded)} alone: a YCbCr JPEG on the native path
     * comes as its planes ({@link Decoded#planes()}, no image), so chroma is resized at its own resolution and only
     * the model's pixels are colour-converted.
     */
    public Decoded decodeForPixels(byte[] bytes, int targetWidth, int targetHeight) throws ImageRejectedException {
        return decode(bytes, targetWidth, targetHeight, true, false);
    }

    /**
     * {@link #decodeForPixels} for a caller done with the planes before this thread decodes again (the loader, which
     * resizes them at once): a JPEG's planes are then decoded into arrays the thread reuses.
     */
    Decoded decodeForPixelsOnce(byte[] bytes, int targetWidth, int targetHeight) throws ImageRejectedException {
        return decode(bytes, targetWidth, targetHeight, true, true);
    }

    private Decoded decode(byte[] bytes, int targetWidth, int targetHeight, boolean planes, boolean reusePlanes)
            throws ImageRejectedException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageRejectedException(ErrorCode.EMPTY_INPUT, "empty input (0 bytes)");
        }
        checkByteCount(bytes.length);
        Format format = Format.sniff(bytes);
        if (format == null) {
            throw new ImageRejectedException(
                    ErrorCode.UNSUPPORTED_FORMAT,
                    "not a PNG, JPEG, GIF, BMP or WebP image (unrecognised leading bytes " + hex(bytes, 8) + ")");
        }
        if (format == Format.JPEG && nativeJpeg) {
            return decodeJpeg(bytes, targetWidth, targetHeight, planes, reusePlanes);
        }
        ImageReader reader = null;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader = readerFor(format);
            reader.setInput(in, true, true);
            WarningTrap warnings = new WarningTrap();
            reader.addIIOReadWarningListener(warnings);

            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageRejectedException(
                        ErrorCode.CORRUPT_IMAGE,
                        format + " header declares an empty image (" + width + "x" + height + ")");
            }
            checkDimensions(format, width, height);
            checkExpansion(format, bytes, width, height);
            JpegMarkers markers = format == Format.JPEG ? JpegMarkers.of(bytes) : null;
            if (markers != null && !markers.endsAfterScan(bytes)) {
                throw new ImageRejectedException(
                        ErrorCode.CORRUPT_IMAGE, "JPEG image does not decode: no end-of-image marker (truncated)");
            }
            ImageReadParam param = reader.getDefaultReadParam();
            int step = subsampling(width, height, targetWidth, targetHeight);
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage image = reader.read(0, param);
            if (warnings.first != null) {
                throw new ImageRejectedException(
                        ErrorCode.CORRUPT_IMAGE, format + " image is damaged: " + warnings.first);
            }
            BufferedImage upright = markers != null ? Orientation.apply(image, markers.orientation()) : image;
            return new Decoded(upright, upright.getWidth(), upright.getHeight(), 1);
        } catch (ImageRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Decoders throw assorted unchecked exceptions on malformed streams, as well as IIOException.
            throw corrupt(format, e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    /**
     * A JPEG through libjpeg-turbo: header and limits first, then decoded at the smallest scale of 1/8, 2/8, ... 8/8
     * that leaves the oversampling factor times what the resize needs, then turned upright (EXIF orientation).
     */
    private Decoded decodeJpeg(byte[] bytes, int targetWidth, int targetHeight, boolean planes, boolean reusePlanes)
            throws ImageRejectedException {
        try (TurboJpeg.Jpeg jpeg = new TurboJpeg.Jpeg(bytes)) {
            TurboJpeg.Header header = jpeg.header();
            if (header.width() <= 0 || header.height() <= 0) {
                throw new ImageRejectedException(
                        ErrorCode.CORRUPT_IMAGE,
                        "JPEG header declares an empty image (" + header.width() + "x" + header.height() + ")");
            }
            checkDimensions(Format.JPEG, header.width(), header.height());
            JpegMarkers markers = JpegMarkers.of(bytes);
            boolean swap = Orientation.swapsSides(markers.orientation());
            int eighths = jpegEighths(
                    oversample,
                    swap ? header.height() : header.width(),
                    swap ? header.width() : header.height(),
                    targetWidth,
                    targetHeight);
            int uprightWidth = swap ? header.height() : header.width();
            int uprightHeight = swap ? header.width() : header.height();
            // planes only where every plane is reduced (chroma at least as dense as the output): upsampling chroma
            // is libjpeg's triangle filter's job, which PIL's decode uses and small images depend on
            double resize = Math.max((double) targetWidth / uprightWidth, (double) targetHeight / uprightHeight);
            boolean chromaCovers =
                    header.planar() && eighths / 8.0 >= resize * Math.max(header.chromaWide(), header.chromaTall());
            if (planes && chromaCovers) {
                YuvImage yuv = YuvImage.upright(
                        jpeg.decodePlanes(header, eighths, reusePlanes),
                        header.chromaWide(),
                        header.chromaTall(),
                        markers.orientation());
                return new Decoded(null, uprightWidth, uprightHeight, eighths / 8.0, yuv);
            }
            BufferedImage image = jpeg.decode(header, eighths, markers.adobe());
            return new Decoded(
                    Orientation.apply(image, markers.orientation()),
                    swap ? header.height() : header.width(),
                    swap ? header.width() : header.height(),
                    eighths / 8.0);
        }
    }

    /**
     * The DCT-domain scale, in eighths (1 to 8), for an upright {@code width} × {@code height} image and a target: the
     * smallest that keeps both sides at least {@code oversample} times the size the resize scales them to (the
     * shortest side to the target, for a square target).
     */
    static int jpegEighths(double oversample, long width, long height, long targetWidth, long targetHeight) {
        double scale = Math.max((double) targetWidth / width, (double) targetHeight / height);
        return (int) Math.max(1, Math.min(8, Math.ceil(8 * scale * oversample - 1e-9)));
    }

    private void checkDimensions(Format format, long width, long height) throws ImageRejectedException {
        if (width > limits.maxSide() || height > limits.maxSide() || width * height > limits.maxPixels()) {
            throw new ImageRejectedException(
                    ErrorCode.TOO_MANY_PIXELS,
                    String.format(
                            "%s header declares %dx%d = %d pixels; limits are %d pixels and %d per side",
                            format, width, height, width * height, limits.maxPixels(), limits.maxSide()));
        }
    }

    /**
     * Refuses a PNG, GIF, BMP or WebP whose header declares far more pixel data than its size: the work of inflating
     * (or LZW-, RLE- or VP8L-decoding) grows with the pixel data, not with the file, so a small file within the pixel
     * limit can still cost a quarter of a second. JPEG is left out: its decoding cost follows its bytes (entropy
     * decoding), and a reduced-scale decode never produces the declared pixels.
     */
    private void checkExpansion(Format format, byte[] bytes, long width, long height) throws ImageRejectedException {
        long data = switch (format) {
            case PNG -> pngDataBytes(bytes, width, height);
            case GIF -> width * height;
            case BMP -> width * height * 3;
            case WEBP -> width * height * 4;
            case JPEG -> 0;
        };
        if (data > ImageLimits.EXPANSION_FLOOR && data > limits.maxExpansion() * bytes.length) {
            throw new ImageRejectedException(
                    ErrorCode.DECOMPRESSION_BOMB,
                    String.format(
                            java.util.Locale.ROOT,
                            "%s header declares %dx%d, %d bytes of pixel data from %d encoded bytes (%.0f times);"
                                    + " the limit is %.0f times the encoded size beyond %d bytes of pixel data",
                            format,
                            width,
                            height,
                            data,
                            bytes.length,
                            (double) data / bytes.length,
                            limits.maxExpansion(),
                            ImageLimits.EXPANSION_FLOOR));
        }
    }

    /**
     * The inflated size of a PNG's image data: a filter byte and the packed samples of each row, from the IHDR's bit
     * depth and colour type (the chunk the PNG signature is followed by; its absence is left to the decoder).
     */
    static long pngDataBytes(byte[] png, long width, long height) {
        if (png.length < 26) {
            return 0;
        }
        int bitDepth = png[24] & 0xFF;
        int channels = switch (png[25] & 0xFF) {
            case 2 -> 3; // RGB
            case 4 -> 2; // grey and alpha
            case 6 -> 4; // RGBA
            default -> 1; // grey, palette
        };
        return height * (1 + (width * channels * bitDepth + 7) / 8);
    }

    /** The largest step that leaves at least {@link #SUBSAMPLE_ABOVE} times the target on both sides (1: none). */
    static int subsampling(long width, long height, long targetWidth, long targetHeight) {
        long step = Math.min(width / (SUBSAMPLE_ABOVE * targetWidth), height / (SUBSAMPLE_ABOVE * targetHeight));
        return (int) Math.max(1, Math.min(step, Integer.MAX_VALUE));
    }

    /** Reads and decodes a file, refusing a directory, a missing file or one over the byte limit before reading it. */
    public BufferedImage decode(Path file) throws ImageRejectedException {
        return decode(read(file));
    }

    /** Reads a file's bytes, refusing a directory, a missing file or one over the byte limit before reading it. */
    public byte[] read(Path file) throws ImageRejectedException {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ImageRejectedException(ErrorCode.UNREADABLE, file + " is a directory");
            }
            checkByteCount(Files.size(file));
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageRejectedException(ErrorCode.UNREADABLE, "no such file: " + file, e);
        } catch (IOException e) {
            throw new ImageRejectedException(ErrorCode.UNREADABLE, "cannot read " + file + ": " + e, e);
        }
        return bytes;
    }

    /** Refuses an encoded size over the limit. */
    public void checkByteCount(long length) throws ImageRejectedException {
        if (length > limits.maxBytes()) {
            throw new ImageRejectedException(
                    ErrorCode.TOO_MANY_BYTES, "input is " + length + " bytes; the limit is " + limits.maxBytes());
        }
    }

    private static ImageRejectedException corrupt(Format format, Exception e) {
        String why = e.getMessage() == null || e.getMessage().isBlank()
                ? e.getClass().getSimpleName()
                : e.getMessage();
        if (e instanceof java.io.EOFException) {
            why = "unexpected end of data (truncated)";
        }
        return new ImageRejectedException(ErrorCode.CORRUPT_IMAGE, format + " image does not decode: " + why, e);
    }

    private static ImageReader readerFor(Format format) throws IOException {
        return switch (format) {
            case WEBP -> WEBP.createReaderInstance();
            case JPEG -> JPEG != null ? JPEG.createReaderInstance() : jdkReader("jpeg");
            case PNG -> jdkReader("png");
            case GIF -> jdkReader("gif");
            case BMP -> jdkReader("bmp");
        };
    }

    private static ImageReader jdkReader(String formatName) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(formatName);
        if (!readers.hasNext()) {
            throw new IOException("no ImageIO reader for " + formatName);
        }
        return readers.next();
    }

    /**
     * The TwelveMonkeys JPEG reader (CMYK/YCCK and more lenient with real-world files), created directly
     * rather than through the global ImageIO registry so that it works under any classloader; it wraps the JDK
     * reader, which it finds in the registry. Falls back to the JDK reader if that lookup fails.
     */
    private static ImageReaderSpi twelveMonkeysJpeg() {
        try {
            JPEGImageReaderSpi spi = new JPEGImageReaderSpi();
            spi.onRegistration(IIORegistry.getDefaultInstance(), ImageReaderSpi.class);
            spi.createReaderInstance().dispose();
            return spi;
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }

    private static final class WarningTrap implements IIOReadWarningListener {
        String first;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (first == null && !isBenign(warning)) {
                first = warning;
            }
        }

        /** Colour-management notes (missing or odd ICC profiles) say nothing about damaged pixel data. */
        private static boolean isBenign(String warning) {
            String w = warning.toLowerCase(java.util.Locale.ROOT);
            return w.contains("icc")
                    || w.contains("color profile")
                    || w.contains("colour profile")
                    || w.contains("colors may look");
        }
    }
}
