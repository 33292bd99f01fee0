package io.bayesvlm.demo.bench;

import io.bayesvlm.core.image.ImageDecoder;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.image.ImageLoader;
import io.bayesvlm.core.image.ImagePreprocessor;
import io.bayesvlm.core.image.ImageRejectedException;
import io.bayesvlm.core.model.ModelSpec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/bayesvlm bench-photos [DIR] [REPEATS]}: CPU milliseconds per photo from encoded bytes to model-ready
 * pixels (decode, EXIF orientation, resize, centre crop: {@link ImageLoader#loadPixels}), for a 224 × 224 RGB model
 * (ViT-B/32's input) and the built-in 28 × 28 grey one; this project's native path (libjpeg-turbo, scaled IDCT) and
 * its pure-Java fallback; and, as the anchor, Pillow with a full decode and with its {@code draft} mode (the same
 * DCT-domain downscale), in a Python process on the same files, one after the other in this run.
 *
 * <p>CPU time is the whole process's (every thread: JIT and GC included on the Java side), single-threaded work,
 * the median of 5 rounds after a warm-up round. Without DIR: the 12 photos of Debian's {@code mate-backgrounds}
 * (its {@code nature} folder, 1680 × 1050 to 2560 × 1600 camera JPEGs), fetched with {@code apt-get download} into
 * {@code ~/.cache/bayesvlm} when not installed; Pillow likewise from Debian's {@code python3-pil}.
 */
public final class PhotoBenchmark {

    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "bayesvlm");
    static final String NATURE = "usr/share/backgrounds/mate/nature";
    static final int ROUNDS = 5;

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : DebianPackages.photos();
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        List<byte[]> photos = new ArrayList<>();
        for (Path f : files) {
            photos.add(Files.readAllBytes(f));
        }
        System.out.printf(
                "%d photos from %s (%.0f KB on average), each %d times per round; %s%n",
                photos.size(),
                dir,
                photos.stream().mapToInt(b -> b.length).average().orElse(0) / 1024,
                repeats,
                ImageDecoder.nativeJpegAvailable()
                        ? "libjpeg-turbo loaded"
                        : "libjpeg-turbo NOT loaded (" + ImageDecoder.nativeJpegUnavailableReason() + ")");

        ModelSpec.ImageSpec vit = new ModelSpec.ImageSpec(
                224, 224, 3, new float[] {0.481f, 0.458f, 0.408f}, new float[] {0.269f, 0.261f, 0.276f});
        ModelSpec.ImageSpec builtIn = new ModelSpec.ImageSpec(28, 28, 1, new float[] {0.5f}, new float[] {0.5f});
        System.out.println("path                                   224x224 RGB ms/photo   28x28 grey ms/photo");
        for (boolean nativeJpeg : new boolean[] {true, false}) {
            if (nativeJpeg && !ImageDecoder.nativeJpegAvailable()) {
                continue;
            }
            ImageLoader forVit = new ImageLoader(vit, ImageLimits.DEFAULTS, nativeJpeg);
            ImageLoader forBuiltIn = new ImageLoader(builtIn, ImageLimits.DEFAULTS, nativeJpeg);
            System.out.printf(
                    Locale.ROOT,
                    "%-38s %22.1f %21.1f%n",
                    nativeJpeg ? "this project (libjpeg-turbo, scaled)" : "this project, pure-Java fallback",
                    cpuMsPerPhoto(b -> forVit.loadPixels(b)[0], photos, repeats),
                    cpuMsPerPhoto(b -> forBuiltIn.loadPixels(b)[0], photos, repeats));
            ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS, nativeJpeg);
            System.out.printf(
                    Locale.ROOT,
                    "%-38s %22.1f %21.1f%n",
                    "  of which decoding",
                    cpuMsPerPhoto(b -> decoder.decodeForPixels(b, 224, 224).width(), photos, repeats),
                    cpuMsPerPhoto(b -> decoder.decode(b, 28, 28).getWidth(), photos, repeats));
        }
        pillow(files, repeats);
        if (ImageDecoder.nativeJpegAvailable()) {
            fidelity(photos, vit, repeats);
        }
    }

    /**
     * What the reduction costs in pixels: the 224 × 224 model-ready pixels of the fast path against a full-size
     * decode's (same resize), for several oversampling factors, next to what saving the photo again at JPEG quality
     * 85 moves them by; and the CPU each factor takes.
     */
    static void fidelity(List<byte[]> photos, ModelSpec.ImageSpec spec, int repeats) throws Exception {
        // the reference: a full-size decode to RGB, then the resize (not the planes the fast path resizes)
        ImageDecoder fullSize = new ImageDecoder(ImageLimits.DEFAULTS, true, 1e9);
        ImagePreprocessor preprocessor = new ImagePreprocessor(spec);
        List<byte[]> truth = new ArrayList<>();
        List<byte[]> resaved = new ArrayList<>();
        ImageDecoder full = new ImageDecoder(ImageLimits.DEFAULTS, true);
        for (byte[] photo : photos) {
            truth.add(preprocessor.pixels(fullSize.decodeForTarget(photo, spec.width(), spec.height())));
            byte[] again = jpeg(full.decode(photo), 0.85f);
            resaved.add(preprocessor.pixels(fullSize.decodeForTarget(again, spec.width(), spec.height())));
        }
        System.out.println(
                "fidelity at 224x224 against a full-size decode: mean / largest |difference| in 8-bit levels");
        System.out.printf(Locale.ROOT, "%-38s %10s %8s %12s%n", "", "mean", "largest", "CPU ms/photo");
        System.out.printf(
                Locale.ROOT,
                "%-38s %10.2f %8d%n",
                "the photo saved again at quality 85",
                meanAbs(resaved, truth),
                maxAbs(resaved, truth));
        for (double oversample : new double[] {1, 1.5, 2, 3}) {
            ImageLoader fast = new ImageLoader(spec, new ImageDecoder(ImageLimits.DEFAULTS, true, oversample));
            List<byte[]> got = new ArrayList<>();
            for (byte[] photo : photos) {
                got.add(fast.loadPixels(photo));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-38s %10.2f %8d %12.1f%n",
                    "reduced, oversample " + oversample,
                    meanAbs(got, truth),
                    maxAbs(got, truth),
                    cpuMsPerPhoto(b -> fast.loadPixels(b)[0], photos, repeats));
        }
    }

    static byte[] jpeg(java.awt.image.BufferedImage image, float quality) throws IOException {
        javax.imageio.ImageWriter writer =
                javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var stream = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new javax.imageio.IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static double meanAbs(List<byte[]> a, List<byte[]> b) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).length; j++) {
                sum += Math.abs((a.get(i)[j] & 0xFF) - (b.get(i)[j] & 0xFF));
                n++;
            }
        }
        return sum / n;
    }

    static int maxAbs(List<byte[]> a, List<byte[]> b) {
        int max = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).length; j++) {
                max = Math.max(max, Math.abs((a.get(i)[j] & 0xFF) - (b.get(i)[j] & 0xFF)));
            }
        }
        return max;
    }

    /** Median over {@link #ROUNDS} rounds of the process's CPU time per photo, after one warm-up round. */
    /** One photo to something whose first value keeps the work from being optimised away. */
    interface Work {
        int apply(byte[] photo) throws ImageRejectedException;
    }

    static double cpuMsPerPhoto(Work work, List<byte[]> photos, int repeats) throws ImageRejectedException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] rounds = new double[ROUNDS];
        long sink = 0;
        for (int r = -1; r < ROUNDS; r++) {
            long start = os.getProcessCpuTime();
            for (int k = 0; k < repeats; k++) {
                for (byte[] photo : photos) {
                    sink += work.apply(photo);
                }
            }
            if (r >= 0) {
                rounds[r] = (os.getProcessCpuTime() - start) / 1e6 / (repeats * photos.size());
            }
        }
        if (sink == Long.MIN_VALUE) {
            System.out.print(""); // keeps the results alive
        }
        Arrays.sort(rounds);
        return rounds[ROUNDS / 2];
    }

    /** Pillow's figures from pillow_anchor.py, or a line saying why there are none. */
    static void pillow(List<Path> files, int repeats) throws IOException, InterruptedException {
        DebianPackages.Python python = DebianPackages.pillow();
        if (python == null) {
            System.out.println("Pillow anchor: no python3 with Pillow, and python3-pil could not be fetched");
            return;
        }
        Path script = Path.of(System.getProperty("bayesvlm.home", "."), "demo/src/main/python/pillow_anchor.py");
        List<String> command = new ArrayList<>(
                List.of(python.executable(), script.toString(), "224", Integer.toString(repeats * ROUNDS)));
        files.forEach(f -> command.add(f.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        python.environment().forEach(pb.environment()::put);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            System.out.println("Pillow anchor failed: " + out.strip());
            return;
        }
        for (String line : out.strip().split("\n")) {
            String[] f = line.trim().split(" ");
            System.out.printf(
                    Locale.ROOT,
                    "%-38s %22.1f%n",
                    "Pillow " + f[0] + (f[0].equals("draft") ? " (DCT-domain downscale)" : " decode"),
                    Double.parseDouble(f[2]) * 1000 / Integer.parseInt(f[1]));
        }
    }
}
