package io.bayesvlm.core.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy {@code .npy} arrays and {@code .npz} archives (a zip of {@code name.npy} entries).
 *
 * <p>Reads little- and big-endian float32/float64 and int32/int64 arrays in C or Fortran order and returns
 * float32 in C order; writes little-endian float32 in C order, format version 1.0, which every NumPy reads.
 */
public final class Npz {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npz() {}

    /** Reads every array of an {@code .npz} file, keyed by name without the {@code .npy} suffix. */
    public static Map<String, NpyArray> read(Path file) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.isDirectory() || !entry.getName().endsWith(".npy")) {
                    continue;
                }
                String name = entry.getName().substring(0, entry.getName().length() - 4);
                try (InputStream in = zip.getInputStream(entry)) {
                    arrays.put(name, readNpy(in.readAllBytes(), file + ":" + entry.getName()));
                }
            }
        }
        return arrays;
    }

    /**
     * Writes arrays to an {@code .npz} file atomically: the archive is written next to the target and moved
     * over it only when complete, so an interrupted write never leaves a half-written file.
     */
    public static void write(Path file, Map<String, NpyArray> arrays) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp);
                    ZipOutputStream zip = new ZipOutputStream(out)) {
                for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                    zip.write(toNpy(e.getValue()));
                    zip.closeEntry();
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a single {@code .npy} file. */
    public static NpyArray readNpy(Path file) throws IOException {
        return readNpy(Files.readAllBytes(file), file.toString());
    }

    static NpyArray readNpy(byte[] bytes, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : MAGIC) {
            if (buf.remaining() == 0 || buf.get() != b) {
                throw new IOException(source + ": not a .npy array (bad magic)");
            }
        }
        int major = Byte.toUnsignedInt(buf.get());
        buf.get(); // minor version
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        if (headerLen < 0 || headerLen > buf.remaining()) {
            throw new IOException(source + ": truncated .npy header");
        }
        byte[] headerBytes = new byte[headerLen];
        buf.get(headerBytes);
        String header = new String(headerBytes, major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        String descr = group(DESCR, header, "descr", source);
        boolean fortran = group(FORTRAN, header, "fortran_order", source).equals("True");
        String shapeText = group(SHAPE, header, "shape", source).trim();
        int[] shape = shapeText.isEmpty()
                ? new int[0]
                : java.util.Arrays.stream(shapeText.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .mapToInt(Integer::parseInt)
                        .toArray();
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        if (count > Integer.MAX_VALUE) {
            throw new IOException(source + ": array too large");
        }

        char order = descr.charAt(0);
        buf.order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        String type = descr.substring(order == '<' || order == '>' || order == '|' || order == '=' ? 1 : 0);
        int width = switch (type) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            default ->
                throw new IOException(source + ": unsupported dtype '" + descr + "' (need float32/64 or int32/64)");
        };
        if ((long) width * count > buf.remaining()) {
            throw new IOException(source + ": truncated .npy data (expected " + count + " values of " + descr + ")");
        }
        float[] data = new float[(int) count];
        for (int i = 0; i < data.length; i++) {
            data[i] = switch (type) {
                case "f4" -> buf.getFloat();
                case "f8" -> (float) buf.getDouble();
                case "i4" -> buf.getInt();
                default -> buf.getLong();
            };
        }
        if (fortran && shape.length > 1) {
            data = fortranToC(data, shape);
        }
        return new NpyArray(shape, data);
    }

    static byte[] toNpy(NpyArray array) {
        // NumPy writes "()", "(3,)" and "(3, 4)".
        String shape = java.util.Arrays.stream(array.shape())
                .mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(", "));
        if (array.rank() == 1) {
            shape += ",";
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
        // Pad so that the data starts on a 64-byte boundary, ending the header with a newline.
        int prefix = MAGIC.length + 2 + 2;
        int total = prefix + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";

        ByteArrayOutputStream out = new ByteArrayOutputStream(padded + 4 * array.data().length);
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write((header.length() >> 8) & 0xff);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = ByteBuffer.allocate(4 * array.data().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(array.data());
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    private static String group(Pattern p, String header, String key, String source) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(source + ": .npy header lacks '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    /** Reorders column-major data to row-major for any rank. */
    private static float[] fortranToC(float[] in, int[] shape) {
        int rank = shape.length;
        float[] out = new float[in.length];
        int[] index = new int[rank];
        for (int c = 0; c < out.length; c++) {
            // index is the C-order multi-index of c; compute its Fortran-order offset.
            int f = 0;
            int stride = 1;
            for (int d = 0; d < rank; d++) {
                f += index[d] * stride;
                stride *= shape[d];
            }
            out[c] = in[f];
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }
}
