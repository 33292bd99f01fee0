package io.bayesvlm.demo.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the photo benchmark needs from Debian, found installed or fetched without root: {@code apt-get download}
 * into {@code ~/.cache/bayesvlm/debs} and {@code dpkg -x} into {@code ~/.cache/bayesvlm/root} (nothing is
 * installed system-wide). Only on a Debian or Ubuntu machine with its package lists; elsewhere pass a folder.
 */
final class DebianPackages {
    private DebianPackages() {}

    static final Path ROOT = PhotoBenchmark.CACHE.resolve("root");

    /** Python with Pillow: how to run it. */
    record Python(String executable, Map<String, String> environment) {}

    /** The nature photos of mate-backgrounds: installed, or extracted into the cache. */
    static Path photos() throws IOException, InterruptedException {
        Path installed = Path.of("/", PhotoBenchmark.NATURE);
        if (Files.isDirectory(installed)) {
            return installed;
        }
        Path cached = ROOT.resolve(PhotoBenchmark.NATURE);
        if (!Files.isDirectory(cached)) {
            System.out.println("fetching Debian's mate-backgrounds (47 MB) into " + ROOT);
            fetch(List.of("mate-backgrounds"));
        }
        if (!Files.isDirectory(cached)) {
            throw new IOException(
                    "no photo set: " + cached + " missing after fetching mate-backgrounds; pass a folder");
        }
        return cached;
    }

    /** The system python3 if it has Pillow; else Debian's python3-pil (and the libraries it needs) extracted. */
    static Python pillow() throws IOException, InterruptedException {
        if (run(List.of("/usr/bin/python3", "-c", "import PIL"), Map.of())) {
            return new Python("/usr/bin/python3", Map.of());
        }
        Map<String, String> env = Map.of(
                "PYTHONPATH",
                ROOT.resolve("usr/lib/python3/dist-packages").toString(),
                "LD_LIBRARY_PATH",
                ROOT.resolve("usr/lib/x86_64-linux-gnu") + ":" + ROOT.resolve("usr/lib"));
        if (!run(List.of("/usr/bin/python3", "-c", "import PIL.Image"), env)) {
            System.out.println("fetching Debian's python3-pil into " + ROOT);
            fetch(List.of("python3-pil", "libimagequant0", "libraqm0", "libwebpdemux2", "libwebpmux3"));
        }
        return run(List.of("/usr/bin/python3", "-c", "import PIL.Image"), env)
                ? new Python("/usr/bin/python3", env)
                : null;
    }

    private static void fetch(List<String> packages) throws IOException, InterruptedException {
        Path debs = PhotoBenchmark.CACHE.resolve("debs");
        Files.createDirectories(debs);
        Files.createDirectories(ROOT);
        for (String p : packages) {
            ProcessBuilder download = new ProcessBuilder("apt-get", "download", p).directory(debs.toFile());
            if (!run(download)) {
                System.out.println("apt-get download " + p + " failed");
            }
        }
        try (var list = Files.list(debs)) {
            for (Path deb : list.filter(f -> f.toString().endsWith(".deb")).toList()) {
                run(new ProcessBuilder("dpkg", "-x", deb.toString(), ROOT.toString()));
            }
        }
    }

    private static boolean run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        return run(pb);
    }

    private static boolean run(ProcessBuilder pb) throws IOException, InterruptedException {
        try {
            Process p = pb.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false; // no such program
        }
    }
}
