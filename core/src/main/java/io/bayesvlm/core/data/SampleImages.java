package io.bayesvlm.core.data;

import io.bayesvlm.core.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The images of a class-folder tree ({@code root/<class-id>/*}, such as the committed Fashion-MNIST sample) in the
 * interleaved order the demo, the benchmarks and the tests replay them, optionally shifted.
 */
public final class SampleImages {

    /** One labelled image file. */
    public record Item(Path file, String label) {}

    private SampleImages() {}

    /** All images under {@code root/<class-id>/}, in a fixed interleaved order (one class after another). */
    public static List<Item> items(Path root) throws IOException {
        List<List<Item>> perClass = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    perClass.add(files.filter(Files::isRegularFile)
                            .sorted()
                            .map(f -> new Item(f, dir.getFileName().toString()))
                            .toList());
                }
            }
        }
        List<Item> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<Item> c : perClass) {
                if (i < c.size()) {
                    out.add(c.get(i));
                    any = true;
                }
            }
            if (!any) {
                return out;
            }
        }
    }

    /** PNG bytes of a grey image file after a shift (the file itself when the shift is NONE). */
    public static byte[] png(Path file, ImageShift shift, int severity, long seed) {
        try {
            byte[] original = Files.readAllBytes(file);
            if (shift == ImageShift.NONE) {
                return original;
            }
            BufferedImage img = ImageIO.read(file.toFile());
            int w = img.getWidth();
            int h = img.getHeight();
            float[] plane = shift.apply(ImagePreprocessor.channelPlanes(img, 1), w, h, severity, seed)[0];
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            int[] samples = new int[w * h];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = Math.round(plane[i]);
            }
            out.getRaster().setSamples(0, 0, w, h, 0, samples);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(out, "png", bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
