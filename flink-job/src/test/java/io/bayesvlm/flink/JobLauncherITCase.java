package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.serde.AvroCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/bayesvlm job} as an operator runs it: the launcher in its own JVM against a real broker. A {@code kill -9}
 * mid-stream and the same command again give every event exactly one decision (read_committed); a failure that keeps
 * coming back ends the process with exit status 1 and the root cause in one line, reported once.
 */
@Tag("cluster")
class JobLauncherITCase {

    static TestKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** A running launcher and what it printed so far. */
    static final class Launcher implements AutoCloseable {
        final Process process;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final Thread reader;

        Launcher(Path config, Path cwd) throws IOException {
            List<String> cmd = io.bayesvlm.embedded.ChildJvm.command(
                    JobLauncher.class,
                    List.of("-Dai.djl.pytorch.num_threads=1"),
                    List.of("--config", config.toString()));
            process = new ProcessBuilder(cmd)
                    .directory(cwd.toFile())
                    .redirectErrorStream(true)
                    .start();
            reader = new Thread(
                    () -> {
                        try (BufferedReader r = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = r.readLine()) != null; ) {
                                lines.add(line);
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    "launcher-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for the process to end and for its output to be read to the end. */
        boolean ended(long seconds) throws InterruptedException {
            boolean ended = process.waitFor(seconds, TimeUnit.SECONDS);
            if (ended) {
                reader.join(10_000);
            }
            return ended;
        }

        List<String> own() {
            synchronized (lines) {
                return lines.stream().filter(l -> l.startsWith("bayesvlm job:")).toList();
            }
        }

        void awaitLine(String fragment, Duration timeout) {
            await("the launcher printing '" + fragment + "'")
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(100))
                    .failFast(
                            "the launcher exited",
                            () -> assertThat(process.isAlive())
                                    .as("launcher alive; output:%n%s", String.join("\n", lines))
                                    .isTrue())
                    .untilAsserted(() -> assertThat(own())
                            .as("output so far:%n%s", String.join("\n", lines))
                            .anyMatch(l -> l.contains(fragment)));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    Path writeConfig(Map<String, String> options) throws IOException {
        StringBuilder b = new StringBuilder();
        options.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
        return Files.writeString(dir.resolve("job-" + UUID.randomUUID() + ".yaml"), b.toString());
    }

    Map<String, String> options(String suffix, Map<String, String> extra) throws Exception {
        Map<String, String> m = ItConfig.options(kafka.bootstrapServers(), suffix);
        m.put("checkpoint.dir", dir.resolve("checkpoints").toUri().toString());
        m.put("checkpoint.interval", "500 ms");
        m.put("checkpoint.timeout", "10 s");
        m.put("kafka.transaction-timeout", "25 s"); // a killed run's open transaction is fenced by the next one anyway
        m.put("kafka.starting-offsets", "earliest");
        m.putAll(extra);
        JobConfig c = JobConfig.from(org.apache.flink.configuration.Configuration.fromMap(m));
        kafka.createTopics(c.topics().all(), 2);
        return m;
    }

    @Test
    void killMinus9AndTheSameCommandAgainDecideEveryEventExactlyOnce() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> options = options(suffix, Map.of());
        JobConfig c = JobConfig.from(org.apache.flink.configuration.Configuration.fromMap(options));
        Path config = writeConfig(options);
        int n = 600;
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"));
        AvroCodec<ImageEvent> codec = new AvroCodec<>(ImageEvent.class);
        AtomicInteger produced = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = new Thread(
                () -> {
                    try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                        for (int i = 0; i < n && !stop.get(); i++) {
                            String id = "k-" + i;
                            KafkaTestUtil.send(
                                    p,
                                    c.topics().images(),
                                    id,
                                    codec.encode(TestImages.event(
                                            id,
                                            System.currentTimeMillis(),
                                            "launcher-it",
                                            Files.readAllBytes(
                                                    items.get(i % items.size()).file()))));
                            produced.incrementAndGet();
                            Thread.sleep(50);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                "producer");

        Launcher first = new Launcher(config, dir);
        try {
            first.awaitLine("REST API and web UI at http://127.0.0.1:", Duration.ofSeconds(90));
            first.awaitLine("starting fresh", Duration.ofSeconds(5));
            // The stream starts once the job is up, and lasts well beyond the first 100 decisions (about 30 s), so the
            // kill lands mid-stream however slow the machine is.
            producer.start();
            // Nothing of the job listens beyond loopback by default (REST, blob server, RPC, shuffle): as `ss -ltnp`.
            List<io.bayesvlm.embedded.ListeningSockets.Listener> listening =
                    io.bayesvlm.embedded.ListeningSockets.of(first.process.pid());
            System.out.println("bin/bayesvlm job listens on " + listening);
            assertThat(listening)
                    .isNotEmpty()
                    .allSatisfy(l ->
                            assertThat(l.loopback()).as("%s on loopback", l).isTrue());
            // Mid-stream: some decisions are committed, more events are still coming.
            await("100 decisions committed (launcher output in the log)")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> KafkaTestUtil.readCommittedSoFar(
                                            kafka.bootstrapServers(), c.topics().decisions())
                                    .size(),
                            committed -> committed >= 100);
            assertThat(produced.get()).as("killed mid-stream").isLessThan(n);
            first.process.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no clean cancel
        } finally {
            if (first.process.isAlive()) {
                first.process.destroyForcibly().waitFor();
            }
        }

        try (Launcher second = new Launcher(config, dir)) {
            second.awaitLine("resuming from", Duration.ofSeconds(90));
            producer.join(120_000);
            await("every event decided after the restart")
                    .atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () ->
                                    KafkaTestUtil.readCommittedSoFar(
                                                    kafka.bootstrapServers(),
                                                    c.topics().decisions())
                                            .stream()
                                            .map(r -> new String(r.key(), StandardCharsets.UTF_8))
                                            .distinct()
                                            .count(),
                            decided -> decided >= n);
            Thread.sleep(2000); // a few more checkpoints: anything decided twice would be visible now
        }
        List<Decision> decisions =
                KafkaTestUtil.readAll(kafka.bootstrapServers(), c.topics().decisions(), Decision.class);
        Map<String, Long> perId =
                decisions.stream().collect(Collectors.groupingBy(Decision::getEventId, Collectors.counting()));
        assertThat(perId).hasSize(n);
        assertThat(perId.values()).as("no event decided twice").allMatch(v -> v == 1L);
        System.out.printf(
                "launcher kill -9: %d events, %d decisions, %d distinct%n", n, decisions.size(), perId.size());
    }

    @Test
    void aFailureThatKeepsComingBackEndsTheProcessWithItsCauseInOneLine() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        int restPort = freePort();
        int blobPort = freePort();
        // Flink keys of the rest, blob and restart-strategy families, as an operator would give them. Three failures
        // allowed: one oversized record can fail two tasks of the failing region at once (the sink's writer and its
        // committer), which Flink may count as two, and the test needs at least two failovers to see a repeat.
        Map<String, String> options = options(
                suffix,
                Map.of(
                        "restart-strategy.failure-rate.delay",
                        "200 ms",
                        "restart-strategy.type",
                        "failure-rate",
                        "restart-strategy.failure-rate.max-failures-per-interval",
                        "3",
                        "restart-strategy.failure-rate.failure-rate-interval",
                        "10 min",
                        "rest.port",
                        String.valueOf(restPort),
                        "blob.server.port",
                        String.valueOf(blobPort)));
        JobConfig c = JobConfig.from(org.apache.flink.configuration.Configuration.fromMap(options));
        Path config = writeConfig(options);
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"));
        AvroCodec<ImageEvent> codec = new AvroCodec<>(ImageEvent.class);
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < 20; i++) {
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        "f-" + i,
                        codec.encode(TestImages.event(
                                "f-" + i,
                                System.currentTimeMillis(),
                                "launcher-it",
                                Files.readAllBytes(items.get(i).file()))));
            }
        }
        try (Launcher launcher = new Launcher(config, dir)) {
            launcher.awaitLine("REST API and web UI at http://127.0.0.1:" + restPort, Duration.ofSeconds(90));
            assertThat(io.bayesvlm.embedded.ListeningSockets.of(launcher.process.pid()))
                    .as("the blob server on blob.server.port")
                    .anySatisfy(l -> assertThat(l.port()).isEqualTo(blobPort));
            // After startup someone lowers the decisions topic's limit below a decision: every write now fails.
            try (var admin = kafka.admin()) {
                admin.incrementalAlterConfigs(Map.of(
                                new ConfigResource(
                                        ConfigResource.Type.TOPIC, c.topics().decisions()),
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("max.message.bytes", "100"), AlterConfigOp.OpType.SET))))
                        .all()
                        .get();
            }
            assertThat(launcher.ended(180))
                    .as("the launcher gave up; output:%n%s", String.join("\n", launcher.lines))
                    .isTrue();
            assertThat(launcher.process.exitValue()).isEqualTo(1);
            List<String> own = launcher.own();
            List<String> causes = own.stream()
                    .filter(l -> l.matches("bayesvlm job: failover \\d+: .*"))
                    .toList();
            List<String> repeats = own.stream()
                    .filter(l -> l.contains("(a cause reported above)"))
                    .toList();
            String last = own.get(own.size() - 1); // the FAILED line ends the output: nothing after it
            System.out.println("launcher output:\n" + String.join("\n", own));
            assertThat(last)
                    .startsWith("bayesvlm job: FAILED after")
                    .contains("Root cause:")
                    .contains("RecordTooLarge");
            assertThat(causes).as("one line per distinct cause").hasSize(1);
            assertThat(causes.get(0)).contains("RecordTooLarge");
            assertThat(repeats).as("the same cause again is only counted").isNotEmpty();
        }
    }

    @Test
    void anUnreachableBrokerIsOneLineNamingTheOptionAndExitStatusTwo() throws Exception {
        int closed = freePort();
        Path config = writeConfig(Map.of(
                "kafka.bootstrap-servers",
                "127.0.0.1:" + closed,
                "model.dir",
                ItConfig.ROOT.resolve("models/fashion-clip").toString()));
        try (Launcher launcher = new Launcher(config, dir)) {
            assertThat(launcher.ended(90)).isTrue();
            assertThat(launcher.process.exitValue()).isEqualTo(2);
            assertThat(launcher.own())
                    .containsExactly("bayesvlm job: kafka.bootstrap-servers: no Kafka broker answered at 127.0.0.1:"
                            + closed
                            + " within 15 s");
        }
    }
}
