package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bayesvlm.embedded.ListeningSockets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/bayesvlm demo} as a user starts it, in its own process: once it serves, nothing it started (broker,
 * Flink, review service, and the schema registry's own process) listens beyond loopback, as {@code ss -ltnp} shows.
 */
class DemoLoopbackITCase {

    @TempDir
    Path dir;

    @Test
    void everythingTheDemoStartsListensOnLoopbackOnly() throws Exception {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        List<String> cmd = io.bayesvlm.embedded.ChildJvm.command(
                DemoMain.class,
                List.of("-Dbayesvlm.home=" + root, "-Dai.djl.pytorch.num_threads=1"),
                List.of("--duration", "120", "--review-port", "0", "--rate", "20"));
        Process demo = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            lines.add(line);
                        }
                    } catch (java.io.IOException e) {
                        // ended
                    }
                },
                "demo-output");
        reader.setDaemon(true);
        reader.start();
        try {
            // the first status line: all is up
            await("the demo's first status line")
                    .atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast(
                            "the demo exited",
                            () -> assertThat(demo.isAlive())
                                    .as("demo running; output:%n%s", String.join("\n", lines))
                                    .isTrue())
                    .untilAsserted(() ->
                            assertThat(List.copyOf(lines)).as("demo output").anyMatch(l -> l.contains(" decided ")));
            List<ProcessHandle> processes = new ArrayList<>();
            processes.add(demo.toHandle());
            demo.descendants().forEach(processes::add);
            List<ListeningSockets.Listener> all = new ArrayList<>();
            for (ProcessHandle p : processes) {
                List<ListeningSockets.Listener> listening = ListeningSockets.of(p.pid());
                System.out.printf(
                        "demo process %d (%s) listens on %s%n",
                        p.pid(), p.info().command().orElse("?"), listening);
                all.addAll(listening);
            }
            assertThat(processes).as("the demo and the registry's process").hasSizeGreaterThanOrEqualTo(2);
            assertThat(all)
                    .hasSizeGreaterThanOrEqualTo(4) // broker, Flink REST, review service, registry
                    .allSatisfy(l ->
                            assertThat(l.loopback()).as("%s on loopback", l).isTrue());
        } finally {
            demo.destroy();
            if (!demo.waitFor(60, TimeUnit.SECONDS)) {
                demo.destroyForcibly().waitFor();
            }
        }
    }
}
