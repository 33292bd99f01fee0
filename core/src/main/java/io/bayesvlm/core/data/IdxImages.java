package io.bayesvlm.core.data;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Grey-level images and labels in the IDX format of MNIST and Fashion-MNIST, plain or gzipped, as
 * Debian's {@code dataset-fashion-mnist} installs them ({@code train-images-idx3-ubyte.gz} ...).
 */
public final class IdxImages implements LabelledImages {

    private final String split;
    private final byte[] pixels;
    private final byte[] labels;
    private final int rows;
    private final int cols;
    private final int from;
    private final int to;

    private IdxImages(String split, byte[] pixels, byte[] labels, int rows, int cols, int from, int to) {
        this.split = split;
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.from = from;
        this.to = to;
    }

    /** True if {@code dir} holds IDX files (plain or .gz). */
    public static boolean isIdxDirectory(Path dir) {
        return find(dir, "train-images-idx3-ubyte") != null || find(dir, "t10k-images-idx3-ubyte") != null;
    }

    /**
     * Loads a split of an IDX directory.
     *
     * @param split {@code train} or {@code test} (t10k files)
     */
    public static IdxImages load(Path dir, String split) throws IOException {
        String prefix = switch (split) {
            case "train" -> "train";
            case "test" -> "t10k";
            default -> throw new IllegalArgumentException("split must be train or test, got '" + split + "'");
        };
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labelFile = find(dir, prefix + "-labels-idx1-ubyte");
        if (images == null || labelFile == null) {
            throw new IOException(dir + " has no " + prefix + "-images-idx3-ubyte[.gz] and " + prefix
                    + "-labels-idx1-ubyte[.gz] (Fashion-MNIST: apt-get install dataset-fashion-mnist)");
        }
        int[] imageDims = new int[3];
        byte[] pixels = read(images, 0x00000803, imageDims);
        int[] labelDims = new int[1];
        byte[] labels = read(labelFile, 0x00000801, labelDims);
        if (imageDims[0] != labelDims[0]) {
            throw new IOException(
                    images + " holds " + imageDims[0] + " images but " + labelFile + " " + labelDims[0] + " labels");
        }
        return new IdxImages(split, pixels, labels, imageDims[1], imageDims[2], 0, imageDims[0]);
    }

    /** Items [from, to) of this set, e.g. {@code range(55000, 60000)} for a held-out part of train. */
    @Override
    public IdxImages range(int start, int end) {
        if (start < 0 || end > size() || start > end) {
            throw new IllegalArgumentException("range " + start + ":" + end + " is outside 0:" + size());
        }
        return new IdxImages(split, pixels, labels, rows, cols, from + start, from + end);
    }

    @Override
    public int size() {
        return to - from;
    }

    @Override
    public int label(int index) {
        return labels[from + index] & 0xFF;
    }

    @Override
    public String name(int index) {
        return split + "[" + (from + index) + "]";
    }

    @Override
    public BufferedImage image(int index) {
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        int n = rows * cols;
        int offset = (from + index) * n;
        int[] samples = new int[n];
        for (int i = 0; i < n; i++) {
            samples[i] = pixels[offset + i] & 0xFF;
        }
        img.getRaster().setSamples(0, 0, cols, rows, 0, samples);
        return img;
    }

    private static Path find(Path dir, String base) {
        for (Path p : new Path[] {dir.resolve(base + ".gz"), dir.resolve(base)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static byte[] read(Path file, int magic, int[] dims) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
                DataInputStream data = new DataInputStream(in)) {
            int m = data.readInt();
            if (m != magic) {
                throw new IOException(
                        file + ": not an IDX file of the expected kind (magic " + Integer.toHexString(m) + ")");
            }
            long total = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = data.readInt();
                total *= dims[i];
            }
            byte[] out = new byte[Math.toIntExact(total)];
            data.readFully(out);
            return out;
        }
    }
}
