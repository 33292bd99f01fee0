package io.bayesvlm.core.image;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import io.bayesvlm.common.ErrorCode;
import java.awt.image.BufferedImage;

/**
 * JPEG decoding through the system's libjpeg-turbo (its TurboJPEG API, {@code libturbojpeg.so.0}; Debian and Ubuntu:
 * {@code libturbojpeg0}), called through JNA. What makes it fast for photos is the scaled IDCT: a 2560 × 1600 photo
 * for a 224-pixel model is decoded at 3/8 of its size straight from the DCT coefficients (a 3-point inverse DCT per
 * block), so 7 times fewer pixels are ever produced, colour-converted or resized. Where the library cannot be loaded, {@link #available()} is false and
 * {@link ImageDecoder} uses the pure-Java decoders; {@link #unavailableReason()} says why.
 *
 * <p>Each image opens and closes its own decompressor handle (a few microseconds; handles are not thread-safe).
 * Warnings (a truncated or damaged stream, which libjpeg would fill with grey) stop the decode and are errors, and a
 * progressive file with more than 500 scans is refused (TurboJPEG's scan limit): a small file cannot buy minutes of
 * CPU.
 */
final class TurboJpeg {
    private TurboJpeg() {}

    private static final int TJPF_BGR = 1;
    private static final int TJPF_GRAY = 6;
    private static final int TJPF_CMYK = 11;
    private static final int TJCS_YCBCR = 1;
    private static final int TJCS_GRAY = 2;
    private static final int TJCS_CMYK = 3;
    private static final int TJCS_YCCK = 4;
    private static final int TJFLAG_STOPONWARNING = 8192;
    private static final int TJFLAG_LIMITSCANS = 32768;

    private static final String UNAVAILABLE = load();

    private static String load() {
        for (String name : new String[] {"turbojpeg", "libturbojpeg.so.0"}) {
            try {
                Native.register(TurboJpeg.class, NativeLibrary.getInstance(name));
                return null;
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // try the next name
            }
        }
        return "libjpeg-turbo's TurboJPEG library (libturbojpeg.so.0, Debian/Ubuntu package libturbojpeg0) is not"
                + " installed or not loadable";
    }

    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Null when {@link #available()}. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** A JPEG's header: its size, chroma subsampling (TJSAMP_*) and colour space (TJCS_*), read without decoding. */
    record Header(int width, int height, int subsampling, int colorspace) {
        /**
         * A YCbCr JPEG whose chroma is subsampled by whole factors of 1 or 2 on each side (4:4:4, 4:2:2, 4:2:0,
         * 4:4:0: TJSAMP 0, 1, 2, 4): what {@link Jpeg#decodePlanes} takes.
         */
        boolean planar() {
            return colorspace == TJCS_YCBCR
                    && (subsampling == 0 || subsampling == 1 || subsampling == 2 || subsampling == 4);
        }

        /** How many luma columns one chroma sample spans (for {@link #planar()} headers). */
        int chromaWide() {
            return subsampling == 1 || subsampling == 2 ? 2 : 1;
        }

        /** How many luma rows one chroma sample spans (for {@link #planar()} headers). */
        int chromaTall() {
            return subsampling == 2 || subsampling == 4 ? 2 : 1;
        }

        boolean grey() {
            return colorspace == TJCS_GRAY;
        }

        boolean cmyk() {
            return colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
        }
    }

    /**
     * One JPEG in native memory with a decompressor handle: its {@link #header()}, then {@link #decode}. The bytes
     * are copied once (arrays passed to JNA would be copied in and out at every call).
     */
    static final class Jpeg implements AutoCloseable {
        private final Memory bytes;
        private final NativeLong size;
        private final Pointer handle;

        Jpeg(byte[] jpeg) {
            this.bytes = new Memory(jpeg.length);
            bytes.write(0, jpeg, 0, jpeg.length);
            this.size = new NativeLong(jpeg.length);
            this.handle = tjInitDecompress();
            if (handle == null) {
                bytes.close();
                throw new IllegalStateException("tjInitDecompress failed (out of memory?)");
            }
        }

        Header header() throws ImageRejectedException {
            int[] w = new int[1];
            int[] h = new int[1];
            int[] subsampling = new int[1];
            int[] colorspace = new int[1];
            if (tjDecompressHeader3(handle, bytes, size, w, h, subsampling, colorspace) != 0) {
                throw corrupt(handle);
            }
            return new Header(w[0], h[0], subsampling[0], colorspace[0]);
        }

        /**
         * Decodes at {@code eighths}/8 of its size (1 to 8: libjpeg-turbo's scaled inverse DCTs) into an 8-bit image: grey for a grey JPEG, else BGR (CMYK
         * and YCCK converted without colour management, as Pillow does; {@code adobe}: the file stores inverted ink,
         * as Adobe's do). ICC profiles are ignored, as in the pixels CLIP-style models were trained on.
         */
        BufferedImage decode(Header header, int eighths, boolean adobe) throws ImageRejectedException {
            int w = scaled(header.width(), eighths);
            int h = scaled(header.height(), eighths);
            int channels = header.grey() ? 1 : 3;
            int bytesPerPixel = header.cmyk() ? 4 : channels;
            int format = header.cmyk() ? TJPF_CMYK : channels == 1 ? TJPF_GRAY : TJPF_BGR;
            BufferedImage image = Pixels.blank(w, h, channels);
            try (Memory out = new Memory((long) w * h * bytesPerPixel)) {
                int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
                if (tjDecompress2(handle, bytes, size, out, w, w * bytesPerPixel, h, format, flags) != 0) {
                    throw corrupt(handle);
                }
                if (header.cmyk()) {
                    byte[] cmyk = new byte[w * h * 4];
                    out.read(0, cmyk, 0, cmyk.length);
                    cmykToBgr(cmyk, Pixels.data(image), adobe);
                } else {
                    byte[] data = Pixels.data(image);
                    out.read(0, data, 0, data.length);
                }
            }
            return image;
        }

        /**
         * Decodes a {@link Header#planar()} JPEG at {@code eighths}/8 of its size into its Y, Cb and Cr planes, each
         * at its own resolution (chroma left subsampled): no chroma upsampling and no colour conversion of the
         * decoded pixels, which the resize then does on the model's few.
         */
        Planes decodePlanes(Header header, int eighths, boolean reuse) throws ImageRejectedException {
            int w = scaled(header.width(), eighths);
            int h = scaled(header.height(), eighths);
            int cw = ceilDiv(w, header.chromaWide());
            int ch = ceilDiv(h, header.chromaTall());
            int[] strides = new int[3];
            Memory[] planes = new Memory[3];
            // JNA's direct mapping takes no Pointer[]: the array of plane pointers is built in native memory
            try (Memory pointers = new Memory(3L * Native.POINTER_SIZE)) {
                for (int c = 0; c < 3; c++) {
                    strides[c] = tjPlaneWidth(c, w, header.subsampling());
                    planes[c] = new Memory((long) strides[c] * tjPlaneHeight(c, h, header.subsampling()));
                    pointers.setPointer((long) c * Native.POINTER_SIZE, planes[c]);
                }
                int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
                if (tjDecompressToYUVPlanes(handle, bytes, size, pointers, w, strides, h, flags) != 0) {
                    throw corrupt(handle);
                }
                return new Planes(
                        read(planes[0], strides[0], w, h, reuse ? 0 : -1),
                        read(planes[1], strides[1], cw, ch, reuse ? 1 : -1),
                        read(planes[2], strides[2], cw, ch, reuse ? 2 : -1),
                        w,
                        h,
                        cw,
                        ch);
            } finally {
                for (Memory m : planes) {
                    if (m != null) {
                        m.close();
                    }
                }
            }
        }

        /**
         * A plane's {@code w} × {@code h} samples without the row padding libjpeg-turbo leaves: in a new array, or
         * (slot 0 to 2) in this thread's array for that slot ({@link ThreadArrays}), which may be longer.
         */
        private static byte[] read(Memory plane, int stride, int w, int h, int slot) {
            byte[] out = slot < 0 ? new byte[w * h] : ThreadArrays.bytes(slot, w * h);
            if (stride == w) {
                plane.read(0, out, 0, w * h);
            } else {
                for (int y = 0; y < h; y++) {
                    plane.read((long) y * stride, out, y * w, w);
                }
            }
            return out;
        }

        @Override
        public void close() {
            tjDestroy(handle);
            bytes.close();
        }
    }

    /**
     * A JPEG's Y, Cb and Cr planes as decoded: luma {@code width} × {@code height}, each chroma plane
     * {@code chromaWidth} × {@code chromaHeight}, row-major, full-range (JFIF) 8-bit samples (the arrays may be
     * longer).
     */
    record Planes(byte[] y, byte[] cb, byte[] cr, int width, int height, int chromaWidth, int chromaHeight) {}

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** The side {@code side} decoded at {@code eighths}/8: libjpeg rounds up. */
    static int scaled(int side, int eighths) {
        return (int) (((long) side * eighths + 7) / 8);
    }

    /**
     * CMYK ink to BGR exactly as Pillow converts it: R = (255 − K) − C·(255 − K)/255, and so on. Adobe's files store
     * 255 − ink ({@code inverted}), which Pillow reads back to ink first.
     */
    static void cmykToBgr(byte[] cmyk, byte[] bgr, boolean inverted) {
        int flip = inverted ? 0xFF : 0;
        for (int i = 0, o = 0; i < cmyk.length; i += 4, o += 3) {
            int nk = 255 - ((cmyk[i + 3] & 0xFF) ^ flip);
            bgr[o + 2] = (byte) (nk - mul255((cmyk[i] & 0xFF) ^ flip, nk));
            bgr[o + 1] = (byte) (nk - mul255((cmyk[i + 1] & 0xFF) ^ flip, nk));
            bgr[o] = (byte) (nk - mul255((cmyk[i + 2] & 0xFF) ^ flip, nk));
        }
    }

    /** a·b/255 rounded, as Pillow's MULDIV255. */
    private static int mul255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static ImageRejectedException corrupt(Pointer handle) {
        return new ImageRejectedException(
                ErrorCode.CORRUPT_IMAGE, "JPEG image does not decode: " + tjGetErrorStr2(handle));
    }

    private static native Pointer tjInitDecompress();

    private static native int tjDecompressHeader3(
            Pointer handle, Pointer jpeg, NativeLong size, int[] width, int[] height, int[] subsampling, int[] cs);

    private static native int tjDecompress2(
            Pointer handle,
            Pointer jpeg,
            NativeLong size,
            Pointer out,
            int width,
            int pitch,
            int height,
            int pixelFormat,
            int flags);

    private static native int tjDecompressToYUVPlanes(
            Pointer handle,
            Pointer jpeg,
            NativeLong size,
            Pointer planes,
            int width,
            int[] strides,
            int height,
            int flags);

    private static native int tjPlaneWidth(int component, int width, int subsampling);

    private static native int tjPlaneHeight(int component, int height, int subsampling);

    private static native String tjGetErrorStr2(Pointer handle);

    private static native int tjDestroy(Pointer handle);
}
