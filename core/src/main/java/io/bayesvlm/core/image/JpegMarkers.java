package io.bayesvlm.core.image;

/**
 * What a JPEG's marker segments before its first scan say about how to show it: the EXIF orientation (1–8, 1 when
 * absent or unreadable) and whether an Adobe APP14 segment is present (Adobe's CMYK and YCCK files store inverted
 * ink values), and where the first scan starts (-1: no scan found). Reads only the segment headers and the first EXIF
 * directory: a few microseconds, never pixel data.
 */
record JpegMarkers(int orientation, boolean adobe, int scanStart) {

    static JpegMarkers of(byte[] b) {
        int orientation = 1;
        boolean adobe = false;
        int scanStart = -1;
        int i = 2; // after SOI
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                break; // not a marker where one must be: leave the rest to the decoder
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            if (marker == 0xDA) {
                scanStart = i;
                break; // the header is over
            }
            if (marker == 0xD9) {
                break;
            }
            int length = u16(b, i + 2, false);
            int body = i + 4;
            int end = i + 2 + length;
            if (length < 2 || end > b.length) {
                break;
            }
            if (marker == 0xE1 && orientation == 1 && startsWith(b, body, end, "Exif\0\0")) {
                orientation = exifOrientation(b, body + 6, end);
            } else if (marker == 0xEE && startsWith(b, body, end, "Adobe")) {
                adobe = true;
            }
            i = end;
        }
        return new JpegMarkers(orientation, adobe, scanStart);
    }

    /**
     * Whether an end-of-image marker follows the first scan: a file cut short has none (entropy-coded data never
     * holds FF D9; an EXIF thumbnail's lies before the scan). One pass over the bytes, far cheaper than decoding a
     * truncated file that the JDK's decoder would fill with grey before it reports the damage.
     */
    boolean endsAfterScan(byte[] b) {
        if (scanStart < 0) {
            return false;
        }
        for (int i = scanStart + 2; i + 1 < b.length; i++) {
            if (b[i] == (byte) 0xFF && b[i + 1] == (byte) 0xD9) {
                return true;
            }
        }
        return false;
    }

    /** Tag 0x0112 of the TIFF structure at {@code tiff}..{@code end}, 1 if it is absent or out of range. */
    private static int exifOrientation(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 1;
        }
        boolean little;
        if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            little = true;
        } else if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        long ifd = tiff + u32(b, tiff + 4, little);
        if (ifd < tiff || ifd + 2 > end) {
            return 1;
        }
        int entries = u16(b, (int) ifd, little);
        for (int e = 0; e < entries; e++) {
            int at = (int) ifd + 2 + 12 * e;
            if (at + 12 > end) {
                return 1;
            }
            if (u16(b, at, little) == 0x0112 && u16(b, at + 2, little) == 3) { // SHORT
                int v = u16(b, at + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static boolean startsWith(byte[] b, int from, int end, String s) {
        if (from + s.length() > end) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (b[from + k] != (byte) s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 : (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    private static long u32(byte[] b, int i, boolean little) {
        long lo = u16(b, little ? i : i + 2, little);
        long hi = u16(b, little ? i + 2 : i, little);
        return hi << 16 | lo;
    }
}
