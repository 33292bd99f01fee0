package io.bayesvlm.demo.bench;

import io.bayesvlm.core.image.ImageDecoder;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.image.ImageLoader;
import io.bayesvlm.core.image.ImagePreprocessor;
import io.bayesvlm.core.image.ImageRejectedException;
import io.bayesvlm.core.model.ModelSpec;
import java.io.IOException;
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
 * DCT-domain downscale), in a Python process on the same files ({@link PillowAnchor}), its rounds taking turns with
 * this project's native rounds for the 224 model, so that the two are compared with the machine in the same state.
 *
 * <p>CPU time is the whole process's (every thread: JIT and GC included on the Java side), single-threaded work,
 * the median of {@link #ROUNDS} rounds after a warm-up of at least 3 s of CPU, read to the nanosecond
 * ({@link ProcessCpu}). Without DIR: the 12 photos of Debian's {@code mate-backgrounds} (its {@code nature} folder,
 * 1680 × 1050 to 2560 × 1600 camera JPEGs), fetched with {@code apt-get download} into {@code ~/.cache/bayesvlm}
 * when not installed; Pillow likewise from Debian's {@code python3-pil}.
 */
public final class PhotoBenchmark {

    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "bayesvlm");
    static final String NATURE = "usr/share/backgrounds/mate/nature";
    static final int ROUNDS = 7;

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
        // The headline, paired: each round one pass of this project's native path for the 224 model, then one of
        // Pillow's draft over the same files, so that both see the machine in the same state (short rounds: its speed
        // drifts over seconds on a shared virtual machine). Pillow's full decode runs first, in rounds of its own: in a
        // process that has run draft decodes, its full decodes cost twice as much (35 against 73 ms here).
        int pairs = ROUNDS * repeats;
        double[] ours = new double[pairs];
        double[] draft = new double[pairs];
        double[] full = new double[pairs];
        boolean paired = false;
        if (ImageDecoder.nativeJpegAvailable()) {
            try (PillowAnchor pillow = PillowAnchor.start(files, 224, 1)) {
                if (pillow != null) {
                    ImageLoader forVit = new ImageLoader(vit, ImageLimits.DEFAULTS, true);
                    Work work = b -> forVit.loadPixels(b)[0];
                    warmUp(work, photos);
                    pillow.round("full"); // Pillow's warm-up rounds
                    for (int r = 0; r < pairs; r++) {
                        full[r] = pillow.round("full");
                    }
                    pillow.round("draft");
                    for (int r = 0; r < pairs; r++) {
                        ours[r] = round(work, photos, 1);
                        draft[r] = pillow.round("draft");
                    }
                    paired = true;
                }
            } catch (java.io.IOException e) {
                System.out.println(e.getMessage()); // "Pillow anchor failed: ...": this project's figures still follow
            }
        }
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
                    nativeJpeg && paired ? median(ours) : cpuMsPerPhoto(b -> forVit.loadPixels(b)[0], photos, repeats),
                    cpuMsPerPhoto(b -> forBuiltIn.loadPixels(b)[0], photos, repeats));
            ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS, nativeJpeg);
            System.out.printf(
                    Locale.ROOT,
                    "%-38s %22.1f %21.1f%n",
                    "  of which decoding",
                    cpuMsPerPhoto(b -> decoder.decodeForPixels(b, 224, 224).width(), photos, repeats),
                    cpuMsPerPhoto(b -> decoder.decode(b, 28, 28).getWidth(), photos, repeats));
        }
        if (paired) {
            System.out.printf(Locale.ROOT, "%-38s %22.1f%n", "Pillow full decode", median(full));
            System.out.printf(Locale.ROOT, "%-38s %22.1f%n", "Pillow draft (DCT-domain downscale)", median(draft));
            double[] ratios = new double[pairs];
            for (int r = 0; r < pairs; r++) {
                ratios[r] = ours[r] / draft[r];
            }
            Arrays.sort(ratios);
            System.out.printf(
                    Locale.ROOT,
                    "this project / Pillow draft, round by round: median %.2f, quartiles %.2f and %.2f, %d rounds%n",
                    median(ratios),
                    ratios[pairs / 4],
                    ratios[3 * pairs / 4],
                    pairs);
        }
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

    /** One photo to something whose first value keeps the work from being optimised away. */
    interface Work {
        int apply(byte[] photo) throws ImageRejectedException;
    }

    /** Median over {@link #ROUNDS} rounds of the process's CPU time per photo, after {@link #warmUp}. */
    static double cpuMsPerPhoto(Work work, List<byte[]> photos, int repeats) throws ImageRejectedException {
        warmUp(work, photos);
        double[] rounds = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            rounds[r] = round(work, photos, repeats);
        }
        return median(rounds);
    }

    /**
     * Rounds over the photos until {@link #WARM_UP_NANOS} of CPU have passed (at least two): the JIT's compiler
     * threads count in the process's CPU time, and a long-running job runs compiled code, so the measured rounds start
     * once C2 has compiled the hot loops (after one round of the 48 photos it had not: 12.5 against 8.5 ms).
     */
    static void warmUp(Work work, List<byte[]> photos) throws ImageRejectedException {
        long start = ProcessCpu.nanos();
        for (int r = 0; r < 2 || ProcessCpu.nanos() - start < WARM_UP_NANOS; r++) {
            round(work, photos, 1);
        }
    }

    static final long WARM_UP_NANOS = 3_000_000_000L;

    /** The process's CPU milliseconds per photo of one round: {@code repeats} passes over the photos. */
    static double round(Work work, List<byte[]> photos, int repeats) throws ImageRejectedException {
        long sink = 0;
        long start = ProcessCpu.nanos();
        for (int k = 0; k < repeats; k++) {
            for (byte[] photo : photos) {
                sink += work.apply(photo);
            }
        }
        double ms = (ProcessCpu.nanos() - start) / 1e6 / (repeats * photos.size());
        if (sink == Long.MIN_VALUE) {
            System.out.print(""); // keeps the results alive
        }
        return ms;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
