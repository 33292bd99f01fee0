package io.bayesvlm.demo;

import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.core.head.Uncertainty;
import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.metrics.Calibration;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.ModerationJob;
import io.bayesvlm.embedded.EmbeddedKafka;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.embedded.KafkaClients;
import io.bayesvlm.embedded.EmbeddedRegistry;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewService;
import io.bayesvlm.review.http.Passwords;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/bayesvlm demo}: the whole system on one machine. Starts a real schema registry (Apicurio, a child
 * process; {@code --registry false} skips it) and a real Kafka broker (KRaft, in this JVM),
 * runs the moderation job on a local Flink MiniCluster with the default model, replays the committed
 * Fashion-MNIST sample as image events (a clean phase, then a drifted one), answers review requests with the
 * true label after a delay (a simulated reviewer; audits likewise), prints a live status line and ends with a
 * summary. Ctrl-C stops it cleanly; nothing is left running.
 */
public final class DemoMain {

    private static final PrintStream OUT = System.out;

    /** The demo's own option keys (the rest go to the job); {@link #USAGE} lists each. */
    static final List<String> DEMO_KEYS = List.of("duration", "rate", "drift", "severity", "review-delay-ms",
            "bad-fraction", "registry", "reviewer", "review-port");

    /** Demo options; everything else is a job option ({@code --key value}, see flink-job/README.md). */
    record Options(int durationSeconds, double rate, ImageShift drift, int severity, long reviewDelayMillis,
            double badFraction, boolean registry, Reviewer reviewer, int reviewPort, Map<String, String> jobOverrides) {

        static Options parse(String[] args) throws java.io.IOException {
            // Same syntax as the job's own options; the demo's keys are taken out, the rest go to the job.
            Map<String, String> job = new HashMap<>(JobConfig.parseArgs(args).toMap());
            int duration = Integer.parseInt(job.getOrDefault("duration", "60"));
            double rate = Double.parseDouble(job.getOrDefault("rate", "60"));
            ImageShift drift = ImageShift.fromId(job.getOrDefault("drift", "blur"));
            int severity = Integer.parseInt(job.getOrDefault("severity", "2"));
            long delay = Long.parseLong(job.getOrDefault("review-delay-ms", "1500"));
            double bad = Double.parseDouble(job.getOrDefault("bad-fraction", "0.01"));
            String registry = job.getOrDefault("registry", "true");
            if (!registry.equals("true") && !registry.equals("false")) {
                throw new IllegalArgumentException("--registry must be true or false, got '" + registry + "'");
            }
            Reviewer reviewer = switch (job.getOrDefault("reviewer", "simulated")) {
                case "simulated" -> Reviewer.SIMULATED;
                case "human" -> Reviewer.HUMAN;
                case "both" -> Reviewer.BOTH;
                default -> throw new IllegalArgumentException("--reviewer must be simulated, human or both, got '"
                        + job.get("reviewer") + "'");
            };
            int reviewPort = Integer.parseInt(job.getOrDefault("review-port", "8090"));
            DEMO_KEYS.forEach(job::remove);
            if (duration < 10) {
                throw new IllegalArgumentException("--duration must be at least 10 seconds");
            }
            if (!(rate > 0)) {
                throw new IllegalArgumentException("--rate must be positive");
            }
            // A registry of your own (--registry.url ...) replaces the embedded one.
            boolean embedded = registry.equals("true") && !job.containsKey("registry.url");
            return new Options(duration, rate, drift, severity, delay, bad, embedded, reviewer, reviewPort, job);
        }
    }

    /**
     * Who works the review queue: SIMULATED reviewers (true labels straight to the labels topic), a HUMAN in the
     * browser, or BOTH (simulated auditors take the audits, people the uncertain items).
     */
    enum Reviewer { SIMULATED, HUMAN, BOTH }

    /** What the demo knows about each event it produced. */
    record Truth(String label, String phase) {}

    /** A decision and whether its prediction was right, for the per-phase summary. */
    record Seen(String phase, double[] probs, double[] mapProbs, int label, Routing routing, double[] recalibrated,
            double[] recalibratedMap) {}

    private final Options options;
    private final Path root;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Map<String, Truth> truth = new ConcurrentHashMap<>();
    private final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong producedBad = new AtomicLong();
    private final AtomicLong decided = new AtomicLong();
    private final AtomicLong reviewed = new AtomicLong();
    private final AtomicLong audited = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong labelsSent = new AtomicLong();
    private final AtomicReference<CalibrationReport> lastReport = new AtomicReference<>();
    private final AtomicLong alerts = new AtomicLong();
    private volatile String phase = "clean";
    /** Wall time the drifted phase began (event times are wall times here), and the first signals after it. */
    private final AtomicLong driftStartedAt = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong firstDriftWarningAt = new AtomicLong(-1);
    private final AtomicLong firstEceAlertAt = new AtomicLong(-1);
    private final AtomicLong driftWarnings = new AtomicLong();
    private Path checkpoints;
    private Path reviewState;

    DemoMain(Options options, Path root) {
        this.options = options;
        this.root = root;
    }

    /** What {@code bin/bayesvlm demo --help} prints. */
    static final String USAGE = String.join("\n",
            "usage: bin/bayesvlm demo [options] [--<job option> value ...]",
            "",
            "The whole system on this machine: a Kafka broker, a schema registry, the moderation job on a local Flink",
            "MiniCluster, the review service with its web UI, a replay of Fashion-MNIST images (clean, then drifted)",
            "and simulated reviewers. Ctrl-C stops it cleanly, summary included.",
            "",
            "  --duration S         seconds of replay (default 60, at least 10)",
            "  --rate R             image events per second (default 60)",
            "  --drift SHIFT        the second half's shift: " + java.util.Arrays.stream(ImageShift.values())
                    .map(ImageShift::id).collect(java.util.stream.Collectors.joining(", ")) + " (default blur)",
            "  --severity N         strength of the shift (default 2)",
            "  --review-delay-ms M  how long a simulated reviewer takes (default 1500)",
            "  --bad-fraction F     share of deliberately corrupt events (default 0.01)",
            "  --registry B         true: the embedded schema registry; false: plain Avro (default true);",
            "                       --registry.url URL uses your own registry instead",
            "  --reviewer WHO       simulated | human | both (default simulated)",
            "  --review-port P      the review service's port (default 8090; 0 picks a free one)",
            "  --help               this text",
            "",
            "Any option of the job (flink-job/README.md, e.g. --routing.mode target-rate) is passed to it.");

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("bayesvlm demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("bayesvlm.home", ".")).toAbsolutePath().normalize();
        DemoMain demo = new DemoMain(options, root);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.stopping.set(true);
            try {
                done.await(60, TimeUnit.SECONDS); // let main shut everything down in order
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown"));
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
        EmbeddedRegistry registry = null;
        if (options.registry()) {
            OUT.println("Starting the schema registry (Apicurio Registry, child process) ...");
            try {
                registry = EmbeddedRegistry.start();
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "\n(Or run the demo without a registry, with plain"
                        + " Avro on every topic: bin/bayesvlm demo --registry false)", e);
            }
            OUT.printf("Schema registry at %s (Confluent-compatible API), compatibility BACKWARD%n", registry.confluentUrl());
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
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            JobConfig config = config(kafka.bootstrapServers(), registryUrl);
            kafka.createTopics(config.topics().all(), 2);
            OUT.printf("Kafka at %s; topics %s%n", kafka.bootstrapServers(), config.topics().all());
            if (config.registry().enabled()) {
                OUT.printf("Output schemas registered (subject=id): %s; records use the Confluent wire format%n",
                        io.bayesvlm.flink.JobPreflight.checkRegistry(config));
            } else {
                OUT.println("No schema registry: plain Avro binary on every topic");
            }

            StreamExecutionEnvironment env = LocalFlink.environment(Math.max(1, config.parallelism()));
            ModerationJob.configure(env, config);
            ModerationJob.buildPipeline(env, KafkaEndpoints.sources(config, false), KafkaEndpoints.sinks(config), config);
            OUT.printf("Starting the moderation job on a local Flink MiniCluster with model %s ...%n", config.modelDir());
            JobClient job = env.executeAsync("bayesvlm-demo");

            ScheduledExecutorService pool = Executors.newScheduledThreadPool(4, r -> {
                Thread t = new Thread(r, "demo");
                t.setDaemon(true);
                return t;
            });
            byte[] secret = new byte[6];
            new java.security.SecureRandom().nextBytes(secret);
            String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret); // 8 characters
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers());
                    ReviewService review = ReviewService.start(reviewConfig(kafka.bootstrapServers(), config, password))) {
                OUT.printf("Review service at %s: reviewers %s/review (user 'reviewer', password '%s'), dashboard %s/dashboard%n",
                        review.url(), review.url(), password, review.url());
                OUT.printf("Review queue worked by: %s%n", switch (options.reviewer()) {
                    case SIMULATED -> "simulated reviewers (the true label after --review-delay-ms, written to the labels"
                            + " topic like an outside tool; the service closes those items; you may label too)";
                    case HUMAN -> "you, in the browser (no simulated labels; try --duration 600)";
                    case BOTH -> "you (uncertain items) and simulated auditors (audits)";
                });
                Thread monitor = new Thread(() -> monitor(kafka.bootstrapServers(), config), "demo-monitor");
                Thread reviewer = new Thread(() -> reviewer(kafka.bootstrapServers(), config, producer, pool), "demo-reviewer");
                monitor.start();
                if (options.reviewer() != Reviewer.HUMAN) {
                    reviewer.start();
                }
                long start = System.currentTimeMillis();
                pool.scheduleAtFixedRate(() -> status(start, config), 2, 2, TimeUnit.SECONDS);
                replay(producer, config, start);
                drain();
                stopping.set(true);
                monitor.join(10_000);
                reviewer.join(10_000);
            } finally {
                pool.shutdownNow();
                OUT.println();
                OUT.println("Stopping the job ...");
                try {
                    job.cancel().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // already finished or failing: the summary below still holds
                }
            }
            summary(config);
            OUT.println("Stopping Kafka ...");
        } finally {
            io.bayesvlm.embedded.TempDirs.deleteRecursively(checkpoints);
            if (reviewState != null) {
                io.bayesvlm.embedded.TempDirs.deleteRecursively(reviewState);
            }
        }
    }

    JobConfig config(String bootstrap, String registryUrl) throws Exception {
        Map<String, String> m = new HashMap<>();
        if (registryUrl != null) {
            m.put("registry.url", registryUrl);
            m.put("registry.auto-register", "true");
        }
        m.put("kafka.bootstrap-servers", bootstrap);
        m.put("kafka.group-id", "demo-" + UUID.randomUUID());
        m.put("kafka.transactional-id-prefix", "demo-" + UUID.randomUUID().toString().substring(0, 8));
        m.put("kafka.starting-offsets", "earliest");
        m.put("model.dir", root.resolve("models/fashion-clip").toString());
        checkpoints = java.nio.file.Files.createTempDirectory("bayesvlm-checkpoints");
        m.put("checkpoint.dir", checkpoints.toUri().toString());
        m.put("checkpoint.interval", "2 s");
        m.put("inference.max-wait", "20 ms");
        // Risk-controlled routing: decide automatically only where the error among automatic decisions is vouched
        // to be at most 5% (with probability 95%); review everything until the first windows' labels allow that.
        m.put("routing.mode", "risk");
        m.put("routing.max-auto-error", "0.05");
        m.put("routing.risk-delta", "0.05");
        m.put("routing.audit-fraction", "0.25");
        // The label-free drift check: 5 s windows of all decisions, the first 3 as the reference band.
        m.put("drift.window-size", "5 s");
        m.put("drift.reference-windows", "3");
        m.put("drift.min-decisions", "30");
        // Online recalibration: each calibration window fits temperatures to its labels; new decisions carry both.
        m.put("calibration.recalibrate", "true");
        m.put("calibration.window-size", "30 s");
        m.put("calibration.window-slide", "10 s");
        m.put("calibration.max-label-delay", "10 s");
        m.put("calibration.label-join-ttl", "5 min");
        m.put("calibration.alert-ece", "0.1");
        m.put("calibration.alert-windows", "2");
        m.put("events.max-out-of-orderness", "2 s");
        m.put("events.source-idleness", "3 s");
        m.putAll(options.jobOverrides());
        return JobConfig.from(Configuration.fromMap(m));
    }

    /** Replays the sample at the given rate: clean for the first half, drifted for the second. */
    void replay(KafkaProducer<byte[], byte[]> producer, JobConfig config, long start) throws Exception {
        List<SampleImages.Item> items = SampleImages.items(root.resolve("models/fashion-mnist-sample"));
        RecordCodec<io.bayesvlm.avro.ImageEvent> codec = RecordCodec.of(io.bayesvlm.avro.ImageEvent.class, config.registry());
        long end = start + options.durationSeconds() * 1000L;
        long half = start + options.durationSeconds() * 500L;
        java.util.Random rng = new java.util.Random(42);
        for (long n = 0; !stopping.get(); n++) {
            long due = start + (long) (n * 1000 / options.rate());
            long now = System.currentTimeMillis();
            if (due >= end) {
                break;
            }
            if (due > now) {
                Thread.sleep(due - now);
            }
            boolean drifted = due >= half;
            if (drifted && !phase.equals("drifted")) {
                driftStartedAt.set(due);
            }
            phase = drifted ? "drifted" : "clean";
            String id = phase + "-" + n;
            SampleImages.Item item = items.get((int) (n % items.size()));
            byte[] image;
            if (rng.nextDouble() < options.badFraction()) {
                image = java.util.Arrays.copyOf(SampleImages.png(item.file(), ImageShift.NONE, 1, n), 40); // truncated
                producedBad.incrementAndGet();
            } else {
                image = SampleImages.png(item.file(), drifted ? options.drift() : ImageShift.NONE, options.severity(), n);
                truth.put(id, new Truth(item.label(), phase));
            }
            byte[] value = codec.encode(config.topics().images(), Replay.event(id, System.currentTimeMillis(), "demo", image));
            producer.send(new ProducerRecord<>(config.topics().images(), id.getBytes(StandardCharsets.UTF_8), value));
            produced.incrementAndGet();
        }
        producer.flush();
    }

    /** Waits (up to 20 s) until every produced event has a decision or a dead letter. */
    void drain() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!stopping.get() && System.currentTimeMillis() < deadline
                && decided.get() + deadLettered.get() < produced.get()) {
            Thread.sleep(200);
        }
        Thread.sleep(Math.min(options.reviewDelayMillis() + 500, 5000)); // last labels
    }

    /** The review service on the demo's topics and registry, with one user for people (password made up here). */
    ReviewConfig reviewConfig(String bootstrap, JobConfig config, String password) throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("bayesvlm-review");
        reviewState = dir;
        java.nio.file.Files.writeString(dir.resolve("users"), "# the demo's one user, password generated for this run\n"
                + "reviewer:reviewer:" + Passwords.hash(password.toCharArray()) + "\n");
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", bootstrap);
        m.put("application.id", "bayesvlm-review-demo-" + UUID.randomUUID().toString().substring(0, 8));
        m.put("topics.review-requests", config.topics().reviews());
        m.put("topics.labels", config.topics().labels());
        m.put("topics.calibration", config.topics().calibration());
        m.put("topics.dead-letters", config.topics().deadLetters());
        m.put("auth.users-file", dir.resolve("users").toString());
        m.put("state.dir", dir.resolve("state").toString());
        m.put("http.port", Integer.toString(options.reviewPort()));
        if (config.registry().enabled()) {
            m.put("registry.url", config.registry().url());
            m.put("registry.auto-register", "true");
        }
        return ReviewConfig.from(new io.bayesvlm.config.Options(m));
    }

    /**
     * Simulated reviewers and auditors, as a labelling tool outside the review service would be: each review request
     * gets its true label on the labels topic after {@code review-delay-ms}, and the service closes the queue item.
     * With people reviewing too (BOTH) they answer only the audits and leave the uncertain items to the browser.
     */
    void reviewer(String bootstrap, JobConfig config, KafkaProducer<byte[], byte[]> producer, ScheduledExecutorService pool) {
        RecordCodec<ReviewRequest> in = RecordCodec.of(ReviewRequest.class, config.registry());
        RecordCodec<LabelEvent> out = RecordCodec.of(LabelEvent.class, config.registry());
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommitted(bootstrap, config.topics().reviews())) {
            while (!stopping.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ReviewRequest req = in.decode(r.topic(), r.value());
                    Truth t = truth.get(req.getEventId());
                    boolean audit = req.getReason() == ReviewReason.AUDIT;
                    if (t == null || (options.reviewer() == Reviewer.BOTH && !audit)) {
                        continue;
                    }
                    LabelEvent label = LabelEvent.newBuilder().setEventId(req.getEventId()).setLabel(t.label())
                            .setLabelSource(audit ? LabelSource.AUDIT : LabelSource.REVIEWER)
                            .setReviewerId("simulated").setLabelTime(java.time.Instant.now()).build();
                    pool.schedule(() -> {
                        producer.send(new ProducerRecord<>(config.topics().labels(),
                                req.getEventId().getBytes(StandardCharsets.UTF_8), out.encode(config.topics().labels(), label)));
                        labelsSent.incrementAndGet();
                    }, options.reviewDelayMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (Exception e) {
            if (!stopping.get()) {
                System.err.println("reviewer stopped: " + e);
            }
        }
    }

    /** Reads decisions, dead letters and calibration reports as they are committed. */
    void monitor(String bootstrap, JobConfig config) {
        RecordCodec<Decision> decisions = RecordCodec.of(Decision.class, config.registry());
        RecordCodec<CalibrationReport> reports = RecordCodec.of(CalibrationReport.class, config.registry());
        RecordCodec<DeadLetter> dead = RecordCodec.of(DeadLetter.class, config.registry());
        RecordCodec<io.bayesvlm.avro.DriftReport> drift = RecordCodec.of(io.bayesvlm.avro.DriftReport.class, config.registry());
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommitted(bootstrap,
                config.topics().decisions(), config.topics().calibration(), config.topics().drift(),
                config.topics().deadLetters())) {
            while (!stopping.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(config.topics().decisions())) {
                        Decision d = decisions.decode(r.topic(), r.value());
                        decided.incrementAndGet();
                        if (d.getRouting() == Routing.REVIEW) {
                            reviewed.incrementAndGet();
                        } else if (d.getRouting() == Routing.AUDIT) {
                            audited.incrementAndGet();
                        }
                        Truth t = truth.get(d.getEventId());
                        if (t != null) {
                            // recalibrated with temperatures fitted on a window that ended before this event: held out
                            boolean heldOut = d.getCalibrationVersion() != null
                                    && d.getEventTime().toEpochMilli() >= d.getCalibrationVersion();
                            seen.add(new Seen(t.phase(), toArray(d.getProbs()), toArray(d.getMapProbs()),
                                    d.getClasses().indexOf(t.label()), d.getRouting(),
                                    heldOut ? toArray(d.getRecalibratedProbs()) : null,
                                    heldOut ? toArray(d.getRecalibratedMapProbs()) : null));
                        }
                    } else if (r.topic().equals(config.topics().calibration())) {
                        CalibrationReport report = reports.decode(r.topic(), r.value());
                        lastReport.set(report);
                        if (report.getAlert()) {
                            alerts.incrementAndGet();
                            if (report.getWindowEnd().toEpochMilli() > driftStartedAt.get()) {
                                firstEceAlertAt.compareAndSet(-1, System.currentTimeMillis());
                            }
                        }
                    } else if (r.topic().equals(config.topics().drift())) {
                        io.bayesvlm.avro.DriftReport report = drift.decode(r.topic(), r.value());
                        if (report.getWarning()) {
                            driftWarnings.incrementAndGet();
                            if (report.getWindowEnd().toEpochMilli() > driftStartedAt.get()) {
                                firstDriftWarningAt.compareAndSet(-1, System.currentTimeMillis());
                            }
                        }
                    } else {
                        dead.decode(r.topic(), r.value());
                        deadLettered.incrementAndGet();
                    }
                }
            }
        } catch (Exception e) {
            if (!stopping.get()) {
                System.err.println("monitor stopped: " + e);
            }
        }
    }

    void status(long start, JobConfig config) {
        double seconds = (System.currentTimeMillis() - start) / 1000.0;
        long d = decided.get();
        CalibrationReport r = lastReport.get();
        String ece = r == null ? "rolling ECE: waiting for labelled windows"
                : String.format("rolling ECE (%ds window, %d labels): MAP %.3f  BayesVLM %.3f%s", 
                        config.calibration().windowSize().toSeconds(), r.getLabelled(), r.getMap().getEce(),
                        r.getBayes().getEce(), r.getAlert() ? "  ALERT" : "");
        OUT.printf("%5.0fs %-7s in %6d (%5.1f/s)  decided %6d  review %5.1f%%  dead %3d | %s%n", seconds, phase,
                produced.get(), produced.get() / Math.max(seconds, 1e-9), d, d == 0 ? 0.0 : 100.0 * reviewed.get() / d,
                deadLettered.get(), ece);
    }

    void summary(JobConfig config) {
        OUT.println();
        OUT.println("=== Summary ===");
        OUT.printf("events in %d (of which %d deliberately corrupt), decided %d, routed to review %d (%.1f%%), "
                        + "audited %d, dead-lettered %d, labels sent %d, calibration alerts %d%n",
                produced.get(), producedBad.get(), decided.get(), reviewed.get(),
                decided.get() == 0 ? 0.0 : 100.0 * reviewed.get() / decided.get(), audited.get(), deadLettered.get(),
                labelsSent.get(), alerts.get());
        OUT.printf("drift: %s, severity %d, in the second half%n%n", options.drift().id(), options.severity());
        OUT.println("phase     decided  accuracy  ECE MAP  ECE BayesVLM  NLL MAP  NLL BayesVLM  review rate");
        Map<String, Calibration.Report[]> byPhase = new HashMap<>();
        for (String p : List.of("clean", "drifted")) {
            List<Seen> s;
            synchronized (seen) {
                s = seen.stream().filter(x -> x.phase().equals(p)).toList();
            }
            if (s.isEmpty()) {
                OUT.printf("%-8s  %7d%n", p, 0);
                continue;
            }
            int[] y = s.stream().mapToInt(Seen::label).toArray();
            int bins = config.calibration().bins();
            Calibration.Report bayes = Calibration.evaluate(s.stream().map(Seen::probs).toList(), y, bins);
            Calibration.Report map = Calibration.evaluate(s.stream().map(Seen::mapProbs).toList(), y, bins);
            long rev = s.stream().filter(x -> x.routing() == Routing.REVIEW).count();
            byPhase.put(p, new Calibration.Report[] {map, bayes});
            OUT.printf("%-8s  %7d  %8.3f  %7.3f  %12.3f  %7.3f  %12.3f  %10.1f%%%n", p, s.size(), bayes.accuracy(),
                    map.ece(), bayes.ece(), map.nll(), bayes.nll(), 100.0 * rev / s.size());
        }
        if (byPhase.size() == 2) {
            double mapRise = byPhase.get("drifted")[0].ece() - byPhase.get("clean")[0].ece();
            double bayesRise = byPhase.get("drifted")[1].ece() - byPhase.get("clean")[1].ece();
            OUT.printf("%nUnder drift, ECE rose by %+.3f for MAP and by %+.3f for BayesVLM", mapRise, bayesRise);
            if (mapRise > 0) {
                OUT.printf(" (%.0f%% less for BayesVLM)", 100 * (1 - bayesRise / mapRise));
            }
            OUT.printf(".%nIn the drifted phase BayesVLM's ECE is %.3f against MAP's %.3f.%n",
                    byPhase.get("drifted")[1].ece(), byPhase.get("drifted")[0].ece());
        }
        riskAndDriftSummary(config);
        CalibrationReport r = lastReport.get();
        if (r != null) {
            OUT.printf("Last rolling report from the job: window %s..%s, %d labelled, ECE MAP %.3f BayesVLM %.3f%s%n",
                    r.getWindowStart(), r.getWindowEnd(), r.getLabelled(), r.getMap().getEce(), r.getBayes().getEce(),
                    r.getAuditEceBayes() == null ? "" : String.format(", audit-only ECE BayesVLM %.3f", r.getAuditEceBayes()));
        }
        OUT.println("(Per-phase figures: every decided event against the replay's ground truth, computed with the core"
                + " library. The job's rolling reports use the reviewer and audit labels only.)");
    }

    /** The guarantee, what it delivered per phase against the replay's truth, and how fast each signal saw the drift. */
    void riskAndDriftSummary(JobConfig config) {
        JobConfig.RoutingOptions routing = config.routing();
        if (routing.risk()) {
            CalibrationReport last = lastReport.get();
            String vouched = last == null || last.getRisk() == null || last.getRisk().getThreshold() == null
                    ? "none yet (everything reviewed)"
                    : String.format("%s >= %.4f (bound %.4f on %d labels)", routing.score().jsonName(),
                            last.getRisk().getThreshold(), last.getRisk().getUpperBound(), last.getRisk().getLabelsAtThreshold());
            OUT.printf("%nRisk control: guaranteed error among automatic decisions <= %.3f with probability %.2f"
                    + " (for items like the labelled ones); latest vouched threshold: %s%n", routing.maxAutoError(),
                    1 - routing.riskDelta(), vouched);
            for (String p : List.of("clean", "drifted")) {
                List<Seen> s;
                synchronized (seen) {
                    s = seen.stream().filter(x -> x.phase().equals(p)).toList();
                }
                List<Seen> auto = s.stream().filter(x -> x.routing() != Routing.REVIEW).toList();
                long wrong = auto.stream().filter(x -> Uncertainty.argmax(x.probs()) != x.label()).count();
                OUT.printf("  %-8s review rate %5.1f%%, decided automatically %5d, realised error among them %s%n", p,
                        s.isEmpty() ? 0.0 : 100.0 * (s.size() - auto.size()) / s.size(), auto.size(),
                        auto.isEmpty() ? "-" : String.format("%.3f%s", (double) wrong / auto.size(),
                                auto.size() < 30 ? " (too few to compare with alpha)"
                                        : (double) wrong / auto.size() > routing.maxAutoError() ? " (above alpha)" : ""));
            }
        }
        if (config.calibration().recalibrate()) {
            OUT.println("Online recalibration (temperatures refitted per window; ECE on decisions made after the fit,"
                    + " so never on the labels it was fitted on):");
            for (String p : List.of("clean", "drifted")) {
                List<Seen> s;
                synchronized (seen) {
                    s = seen.stream().filter(x -> x.phase().equals(p) && x.recalibrated() != null).toList();
                }
                if (s.isEmpty()) {
                    OUT.printf("  %-8s no recalibrated decisions yet%n", p);
                    continue;
                }
                int[] y = s.stream().mapToInt(Seen::label).toArray();
                int bins = config.calibration().bins();
                OUT.printf("  %-8s %5d decisions: ECE BayesVLM %.3f -> %.3f recalibrated, MAP %.3f -> %.3f recalibrated%n",
                        p, s.size(), Calibration.evaluate(s.stream().map(Seen::probs).toList(), y, bins).ece(),
                        Calibration.evaluate(s.stream().map(Seen::recalibrated).toList(), y, bins).ece(),
                        Calibration.evaluate(s.stream().map(Seen::mapProbs).toList(), y, bins).ece(),
                        Calibration.evaluate(s.stream().map(Seen::recalibratedMap).toList(), y, bins).ece());
            }
        }
        long start = driftStartedAt.get();
        if (start != Long.MAX_VALUE) {
            OUT.printf("Drift detection after the drift began: label-free warning %s, labelled ECE alert %s"
                    + " (%d drift warnings in all)%n",
                    firstDriftWarningAt.get() < 0 ? "none" : String.format("after %.1f s", (firstDriftWarningAt.get() - start) / 1000.0),
                    firstEceAlertAt.get() < 0 ? "none" : String.format("after %.1f s", (firstEceAlertAt.get() - start) / 1000.0),
                    driftWarnings.get());
        }
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
