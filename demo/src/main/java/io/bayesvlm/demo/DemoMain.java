package io.bayesvlm.demo;

import io.bayesvlm.config.Options;
import io.bayesvlm.embedded.EmbeddedKafka;
import io.bayesvlm.embedded.EmbeddedRegistry;
import io.bayesvlm.embedded.KafkaClients;
import io.bayesvlm.embedded.TempDirs;
import io.bayesvlm.flink.FlinkSettings;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.JobPreflight;
import io.bayesvlm.flink.ModerationJob;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewService;
import io.bayesvlm.review.http.Passwords;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code bin/bayesvlm demo}: the whole system on one machine. Starts a real schema registry (Apicurio, a child
 * process; {@code --registry false} skips it) and a real Kafka broker (KRaft, in this JVM), runs the moderation job
 * on a local Flink MiniCluster with the default model, replays the committed Fashion-MNIST sample as image events
 * ({@link Replay}: a clean phase, then a drifted one), answers review requests with the true label after a delay
 * ({@link SimulatedReviewers}), prints a live status line and ends with a summary ({@link DemoMonitor},
 * {@link DemoReport}). Ctrl-C stops it cleanly; nothing is left running.
 */
public final class DemoMain {

    private static final PrintStream OUT = System.out;

    /** The demo's own option keys (the rest go to the job). */
    static final List<String> DEMO_KEYS = DemoOptions.KEYS;

    private final DemoOptions options;
    private final Path root;
    private final AtomicBoolean stopping = new AtomicBoolean();

    DemoMain(DemoOptions options, Path root) {
        this.options = options;
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(DemoOptions.USAGE);
            return;
        }
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("bayesvlm demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("bayesvlm.home", "."))
                .toAbsolutePath()
                .normalize();
        DemoMain demo = new DemoMain(options, root);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            demo.stopping.set(true);
                            try {
                                done.await(60, TimeUnit.SECONDS); // let main shut everything down in order
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "demo-shutdown"));
        int exit = 0;
        try {
            demo.run();
        } catch (IllegalStateException e) {
            // A setup problem with a message for the user (e.g. no Java 21+ for the registry): no stack trace.
            System.err.println("bayesvlm demo: " + e.getMessage());
            exit = 1;
        } catch (Exception e) {
            System.err.println("bayesvlm demo failed: " + e);
            e.printStackTrace();
            exit = 1;
        } finally {
            done.countDown();
        }
        System.exit(exit);
    }

    void run() throws Exception {
        Replay.checkRelabel(options, root);
        EmbeddedRegistry registry = null;
        if (options.registry()) {
            OUT.println("Starting the schema registry (Apicurio Registry, child process) ...");
            try {
                registry = EmbeddedRegistry.start();
            } catch (IllegalStateException e) {
                throw new IllegalStateException(
                        e.getMessage() + "\n(Or run the demo without a registry, with plain"
                                + " Avro on every topic: bin/bayesvlm demo --registry false)",
                        e);
            }
            OUT.printf(
                    "Schema registry at %s (Confluent-compatible API), compatibility BACKWARD%n",
                    registry.confluentUrl());
        }
        try (EmbeddedRegistry closeRegistry = registry) {
            run(registry == null ? null : registry.confluentUrl());
            if (closeRegistry != null) {
                OUT.println("Stopping the schema registry ...");
            }
        }
        OUT.println("Done; nothing is left running.");
    }

    private void run(String registryUrl) throws Exception {
        OUT.println("Starting Kafka (KRaft, in-process) ...");
        Path checkpoints = Files.createTempDirectory("bayesvlm-checkpoints");
        Path reviewState = Files.createTempDirectory("bayesvlm-review");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            JobConfig config = DemoJob.config(bootstrap, registryUrl, root, checkpoints, options.jobOverrides());
            kafka.createTopics(config.topics().all(), 2);
            OUT.printf("Kafka at %s; topics %s%n", bootstrap, config.topics().all());
            if (config.registry().enabled()) {
                OUT.printf(
                        "Output schemas registered (subject=id): %s; records use the Confluent wire format%n",
                        JobPreflight.checkRegistry(config));
            } else {
                OUT.println("No schema registry: plain Avro binary on every topic");
            }

            StreamExecutionEnvironment env = LocalFlink.environment(Math.max(1, config.parallelism()));
            FlinkSettings.configure(env, config);
            ModerationJob.buildPipeline(
                    env, KafkaEndpoints.sources(config, false), KafkaEndpoints.sinks(config), config);
            OUT.printf(
                    "Starting the moderation job on a local Flink MiniCluster with model %s ...%n", config.modelDir());
            JobClient job = env.executeAsync("bayesvlm-demo");

            ScheduledExecutorService pool = Executors.newScheduledThreadPool(4, r -> {
                Thread t = new Thread(r, "demo");
                t.setDaemon(true);
                return t;
            });
            Replay replay = new Replay(options, root, stopping);
            DemoReport report = new DemoReport(config.calibration().bins());
            String password = password();
            ReviewConfig reviewConfig = reviewConfig(bootstrap, config, reviewState, password);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap);
                    ReviewService review = ReviewService.start(reviewConfig)) {
                OUT.printf(
                        "Review service at %s: reviewers %s/review (user 'reviewer', password '%s'), dashboard %s/dashboard%n",
                        review.url(), review.url(), password, review.url());
                OUT.printf(
                        "Review service application id %s (another instance joins its queue with --application.id %s,"
                                + " --bootstrap.servers %s and the same --auth.session-secret, printed in"
                                + " %s)%n",
                        reviewConfig.applicationId(),
                        reviewConfig.applicationId(),
                        bootstrap,
                        reviewState.resolve("session-secret"));
                OUT.printf(
                        "Review queue worked by: %s%n",
                        switch (options.reviewer()) {
                            case SIMULATED ->
                                "simulated reviewers (the true label after --review-delay-ms, written to the labels"
                                        + " topic like an outside tool; the service closes those items; you may label too)";
                            case HUMAN -> "you, in the browser (no simulated labels; try --duration 600)";
                            case BOTH -> "you (uncertain items) and simulated auditors (audits)";
                        });
                SimulatedReviewers reviewers =
                        new SimulatedReviewers(bootstrap, config, options, replay, report, producer, pool, stopping);
                Thread monitor = new Thread(
                        new DemoMonitor(bootstrap, config, options, replay, report, stopping), "demo-monitor");
                Thread reviewer = new Thread(reviewers, "demo-reviewer");
                monitor.start();
                if (options.reviewer() != DemoOptions.Reviewer.HUMAN) {
                    reviewer.start();
                }
                long start = System.currentTimeMillis();
                report.startedAt = start;
                pool.scheduleAtFixedRate(
                        () -> OUT.println(report.status(
                                (System.currentTimeMillis() - start) / 1000.0,
                                replay.phase(),
                                replay.produced.get(),
                                config)),
                        2,
                        2,
                        TimeUnit.SECONDS);
                replay.run(producer, config, start);
                drain(replay, report);
                stopping.set(true);
                monitor.join(10_000);
                reviewer.join(10_000);
            } finally {
                pool.shutdownNow();
                stopJob(job);
            }
            report.summary(OUT, config, options, replay);
            OUT.println("Stopping Kafka ...");
        } finally {
            TempDirs.deleteRecursively(checkpoints);
            TempDirs.deleteRecursively(reviewState);
        }
    }

    private static void stopJob(JobClient job) {
        try {
            OUT.println();
            OUT.println("Stopping the job ...");
            job.cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already finished or failing: the summary still holds
        }
    }

    /** Waits (up to 20 s) until every produced event has a decision or a dead letter, then for the last labels. */
    void drain(Replay replay, DemoReport report) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!stopping.get()
                && System.currentTimeMillis() < deadline
                && report.decided.get() + report.deadLettered.get() < replay.produced.get()) {
            Thread.sleep(200);
        }
        Thread.sleep(Math.min(options.reviewDelayMillis() + 500, 5000)); // last labels
    }

    /** A password made up for this run (8 characters). */
    private static String password() {
        byte[] secret = new byte[6];
        new SecureRandom().nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** The review service on the demo's topics and registry, with one user for people. */
    ReviewConfig reviewConfig(String bootstrap, JobConfig config, Path dir, String password) throws Exception {
        Files.writeString(
                dir.resolve("users"),
                "# the demo's one user, password generated for this run\n" + "reviewer:reviewer:"
                        + Passwords.hash(password.toCharArray()) + "\n");
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", bootstrap);
        m.put(
                "application.id",
                "bayesvlm-review-demo-" + UUID.randomUUID().toString().substring(0, 8));
        m.put("topics.review-requests", config.topics().reviews());
        m.put("topics.labels", config.topics().labels());
        m.put("topics.calibration", config.topics().calibration());
        m.put("topics.dead-letters", config.topics().deadLetters());
        m.put("auth.users-file", dir.resolve("users").toString());
        // a secret for this run, so that a second instance (and its cookies) can join the demo's queue
        String secret = password() + password();
        Files.writeString(dir.resolve("session-secret"), secret + "\n");
        m.put("auth.session-secret", secret);
        m.put("state.dir", dir.resolve("state").toString());
        m.put("http.port", Integer.toString(options.reviewPort()));
        if (config.registry().enabled()) {
            m.put("registry.url", config.registry().url());
            m.put("registry.auto-register", "true");
        }
        return ReviewConfig.from(new Options(m));
    }
}
