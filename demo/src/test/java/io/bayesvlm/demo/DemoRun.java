package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code bin/bayesvlm demo} run to its end in its own process (as a user runs it), its output kept. */
final class DemoRun {
    private DemoRun() {}

    /** Runs the demo in {@code dir} with {@code args} (plus a free review port); its output, line by line. */
    static List<String> run(Path dir, String... args) throws Exception {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        Path log = Files.createTempFile(dir, "demo", ".log");
        List<String> demoArgs = new ArrayList<>(List.of("--review-port", "0"));
        demoArgs.addAll(List.of(args));
        Process demo = new ProcessBuilder(io.bayesvlm.embedded.ChildJvm.command(
                        DemoMain.class, List.of("-Dbayesvlm.home=" + root, "-Dai.djl.pytorch.num_threads=1"), demoArgs))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertThat(demo.waitFor(8, TimeUnit.MINUTES)).as("the demo ends").isTrue();
        } finally {
            demo.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String all = String.join("\n", lines);
        System.out.println(all.substring(Math.max(0, all.indexOf("=== Summary"))));
        assertThat(demo.exitValue()).as(all).isZero();
        return lines;
    }
}
