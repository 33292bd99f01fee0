package io.bayesvlm.core.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The photo-format fixtures, generated when the tests run (the committed script is this class): JPEGs with each
 * EXIF orientation, grey JPEGs, 16-bit and palette PNGs, animated GIFs, and hostile headers. Colours are chosen so
 * that JPEG's loss cannot confuse them.
 */
public final class PhotoFixtures {
    private PhotoFixtures() {}

    static final int RED = 0xE02020;
    static final int GREEN = 0x20C020;
    static final int BLUE = 0x2020E0;
    static final int WHITE = 0xF0F0F0;

    /** An upright w × h picture in four quadrants: red top left, green top right, blue bottom left, white. */
    static int quadrant(int x, int y, int w, int h) {
        boolean right = x >= w / 2;
        boolean bottom = y >= h / 2;
        return bottom ? (right ? WHITE : BLUE) : (right ? GREEN : RED);
    }

    /**
     * How a camera stores the upright w × h picture under EXIF orientation {@code o}, written from the EXIF
     * definition of where the stored image's first row and column lie in the picture (not from the code under test):
     * stored pixel (xs, ys) shows picture pixel (x, y).
     */
    public static BufferedImage stored(int w, int h, int o) {
        return stored(w, h, o, (x, y) -> quadrant(x, y, w, h));
    }

    /** {@link #stored(int, int, int)} of any upright picture (its RGB at x, y). */
    public static BufferedImage stored(int w, int h, int o, java.util.function.IntBinaryOperator picture) {
        boolean swap = o >= 5;
        int sw = swap ? h : w;
        int sh = swap ? w : h;
        BufferedImage img = new BufferedImage(sw, sh, BufferedImage.TYPE_INT_RGB);
        for (int ys = 0; ys < sh; ys++) {
            for (int xs = 0; xs < sw; xs++) {
                int[] p = switch (o) {
                    case 1 -> new int[] {xs, ys}; // row 0 top, column 0 left
                    case 2 -> new int[] {w - 1 - xs, ys}; // row 0 top, column 0 right
                    case 3 -> new int[] {w - 1 - xs, h - 1 - ys}; // bottom, right
                    case 4 -> new int[] {xs, h - 1 - ys}; // bottom, left
                    case 5 -> new int[] {ys, xs}; // row 0 left, column 0 top
                    case 6 -> new int[] {w - 1 - ys, xs}; // row 0 right, column 0 top
                    case 7 -> new int[] {w - 1 - ys, h - 1 - xs}; // right, bottom
                    default -> new int[] {ys, h - 1 - xs}; // 8: row 0 left, column 0 bottom
                };
                img.setRGB(xs, ys, picture.applyAsInt(p[0], p[1]));
            }
        }
        return img;
    }

    public static byte[] jpeg(BufferedImage image) throws IOException {
        return jpeg(image, 0.95f);
    }

    public static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        return jpeg(image, quality, 2, 2);
    }

    /**
     * A YCbCr JPEG whose luma is sampled {@code wide} × {@code tall} times as densely as its chroma (1, 1: 4:4:4;
     * 2, 1: 4:2:2; 2, 2: 4:2:0, the JDK writer's default; 1, 2: 4:4:0).
     */
    public static byte[] jpeg(BufferedImage image, float quality, int wide, int tall) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        javax.imageio.metadata.IIOMetadata metadata =
                writer.getDefaultImageMetadata(javax.imageio.ImageTypeSpecifier.createFromRenderedImage(image), param);
        String format = "javax_imageio_jpeg_image_1.0";
        org.w3c.dom.Node tree = metadata.getAsTree(format);
        org.w3c.dom.NodeList components = ((org.w3c.dom.Element) tree).getElementsByTagName("componentSpec");
        for (int i = 0; i < components.getLength(); i++) {
            org.w3c.dom.Element c = (org.w3c.dom.Element) components.item(i);
            c.setAttribute("HsamplingFactor", Integer.toString(i == 0 ? wide : 1));
            c.setAttribute("VsamplingFactor", Integer.toString(i == 0 ? tall : 1));
        }
        metadata.setFromTree(format, tree);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, metadata), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A JPEG with an EXIF APP1 segment (big-endian TIFF, one IFD0 entry: orientation) right after SOI. */
    public static byte[] withOrientation(byte[] jpeg, int orientation) {
        byte[] app1 = {
            (byte) 0xFF,
            (byte) 0xE1,
            0,
            34,
            'E',
            'x',
            'i',
            'f',
            0,
            0, // marker, length, Exif header
            'M',
            'M',
            0,
            42,
            0,
            0,
            0,
            8, // TIFF header, IFD0 at 8
            0,
            1, // one entry
            0x01,
            0x12,
            0,
            3,
            0,
            0,
            0,
            1,
            0,
            (byte) orientation,
            0,
            0, // orientation, SHORT, 1 value
            0,
            0,
            0,
            0 // no next IFD
        };
        byte[] out = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(app1, 0, out, 2, app1.length);
        System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
        return out;
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** An animated GIF, one frame per colour, each 100 ms. */
    static byte[] animatedGif(int w, int h, List<Integer> colours) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (int colour : colours) {
                BufferedImage frame = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        frame.setRGB(x, y, colour);
                    }
                }
                ImageWriteParam param = writer.getDefaultWriteParam();
                IIOMetadata meta =
                        writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), param);
                String format = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
                IIOMetadataNode gce = new IIOMetadataNode("GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", "10");
                gce.setAttribute("transparentColorIndex", "0");
                root.appendChild(gce);
                meta.setFromTree(format, root);
                writer.writeToSequence(new IIOImage(frame, null, meta), param);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** The first bytes of a baseline JPEG whose frame header declares w × h (3 components), then nothing. */
    public static byte[] jpegHeader(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
        // a quantisation table (all ones), then SOF0
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDB, 0, 67, 0});
        for (int i = 0; i < 64; i++) {
            out.write(1);
        }
        out.writeBytes(new byte[] {
            (byte) 0xFF,
            (byte) 0xC0,
            0,
            17,
            8,
            (byte) (h >> 8),
            (byte) h,
            (byte) (w >> 8),
            (byte) w,
            3,
            1,
            0x22,
            0,
            2,
            0x11,
            0,
            3,
            0x11,
            0
        });
        // a scan header, a little entropy-coded data and the end
        out.writeBytes(new byte[] {
            (byte) 0xFF, (byte) 0xDA, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 63, 0, 0x12, 0x34, (byte) 0xFF, (byte) 0xD9
        });
        return out.toByteArray();
    }
}
