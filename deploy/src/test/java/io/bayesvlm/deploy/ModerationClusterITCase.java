package io.bayesvlm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.embedded.EmbeddedRegistry;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.flink.HostileStream;
import io.bayesvlm.flink.ItConfig;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.TestImages;
import io.bayesvlm.serde.RecordCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The job jar on a real multi-process Flink cluster (one JobManager, two TaskManagers: {@link FlinkCluster}),
 * submitted through Flink's REST API exactly as deploy/README.md shows, against a real broker and a real schema
 * registry, all on loopback. Each test has its own topics; the cluster is shared.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("cluster")
class ModerationClusterITCase {
    static final Path JOB_JAR = Path.of(System.getProperty("bayesvlm.job.jar", "../flink-job/target/job.jar"));
    static final Path SAMPLES = ItConfig.ROOT.resolve("models/fashion-mnist-sample");

    static TestKafka kafka;
    static EmbeddedRegistry registry;
    static FlinkCluster cluster;
    static String jarId;
    static List<SampleImages.Item> items;

    @BeforeAll
    static void start() throws Exception {
        assertThat(JOB_JAR).as("the job jar (./mvnw package builds it)").exists();
        kafka = TestKafka.start();
        registry = EmbeddedRegistry.start();
        cluster = FlinkCluster.start(2, Map.of());
        jarId = cluster.rest.uploadJar(JOB_JAR);
        items = SampleImages.items(SAMPLES);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** One job's configuration: fresh topics, the registry on, written to a file passed as --config. */
    record Job(JobConfig config, Path file) {
        List<String> args(String... extra) {
            List<String> a = new ArrayList<>(List.of("--config", file.toString()));
            a.addAll(List.of(extra));
            return a;
        }
    }

    static Job job(Map<String, String> overrides) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> m = ItConfig.options(kafka.bootstrapServers(), suffix);
        m.put("registry.url", registry.confluentUrl());
        m.put("registry.auto-register", "true");
        m.put("calibration.max-label-delay", "1 s");
        m.putAll(overrides);
        JobConfig c = JobConfig.from(Configuration.fromMap(m));
        kafka.createTopics(c.topics().all(), 2);
        Path file = cluster.work().resolve("job-" + suffix + ".yaml");
        StringBuilder yaml = new StringBuilder();
        m.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(file, yaml.toString());
        return new Job(c, file);
    }

    /** Sends sample images e-from .. e-(from+n-1), event times 1 s apart; a label for each one if asked. */
    static List<String> send(JobConfig c, int from, int n, boolean labels) throws Exception {
        RecordCodec<ImageEvent> images = RecordCodec.of(ImageEvent.class, c.registry());
        RecordCodec<LabelEvent> labelCodec = RecordCodec.of(LabelEvent.class, c.registry());
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (int i = from; i < from + n; i++) {
                String id = "e-" + i;
                SampleImages.Item item = items.get(i % items.size());
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        id,
                        images.encode(
                                c.topics().images(),
                                TestImages.event(
                                        id,
                                        1_700_000_000_000L + 1000L * i,
                                        "cluster-it",
                                        Files.readAllBytes(item.file()))));
                if (labels) {
                    sendLabel(p, c, labelCodec, id, item.label());
                }
                ids.add(id);
            }
        }
        return ids;
    }

    static void sendLabel(
            KafkaProducer<byte[], byte[]> p, JobConfig c, RecordCodec<LabelEvent> codec, String id, String label) {
        KafkaTestUtil.send(
                p,
                c.topics().labels(),
                id,
                codec.encode(
                        c.topics().labels(),
                        LabelEvent.newBuilder()
                                .setEventId(id)
                                .setLabel(label)
                                .setLabelSource(LabelSource.AUDIT)
                                .setLabelTime(Instant.now())
                                .build()));
    }

    static String labelOf(String id) {
        return items.get(Integer.parseInt(id.substring(2)) % items.size()).label();
    }

    static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> decode(
            JobConfig c, String topic, Class<T> type, List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        RecordCodec<T> codec = RecordCodec.of(type, c.registry());
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(codec.decode(topic, r.value()));
        }
        return out;
    }

    /** Everything on a topic once its transactions are decided (the job stopped with a savepoint). */
    static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> settled(
            JobConfig c, String topic, Class<T> type) throws Exception {
        return decode(c, topic, type, KafkaTestUtil.readAll(kafka.bootstrapServers(), topic));
    }

    static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> soFar(
            JobConfig c, String topic, Class<T> type) throws Exception {
        return decode(c, topic, type, KafkaTestUtil.readCommittedSoFar(kafka.bootstrapServers(), topic));
    }

    /** Polls the committed output of a running job until {@code done} holds. */
    static void await(String what, Duration timeout, java.util.concurrent.Callable<Boolean> done) throws Exception {
        Awaitility.await(what + " (cluster logs: " + cluster.work() + ")")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(500))
                .until(done);
    }

    static Set<String> distinctDecisions(JobConfig c) throws Exception {
        return soFar(c, c.topics().decisions(), Decision.class).stream()
                .map(Decision::getEventId)
                .collect(Collectors.toSet());
    }

    static String savepointDir() {
        return cluster.work().resolve("savepoints").toUri().toString();
    }

    static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** Each event id exactly once in decisions, and exactly once in review requests where it was routed. */
    static Map<String, Decision> assertExactlyOnce(JobConfig c, List<String> ids) throws Exception {
        List<Decision> decisions = settled(c, c.topics().decisions(), Decision.class);
        Map<String, Long> perId =
                decisions.stream().collect(Collectors.groupingBy(Decision::getEventId, Collectors.counting()));
        assertThat(perId.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(perId.values()).as("decisions per event id").allMatch(n -> n == 1);
        Set<String> routed = decisions.stream()
                .filter(d -> d.getRouting() != Routing.AUTO)
                .map(Decision::getEventId)
                .collect(Collectors.toSet());
        List<ReviewRequest> reviews = settled(c, c.topics().reviews(), ReviewRequest.class);
        assertThat(reviews.stream().map(ReviewRequest::getEventId).toList())
                .as("review requests: each routed event exactly once")
                .containsExactlyInAnyOrderElementsOf(routed);
        return decisions.stream().collect(Collectors.toMap(Decision::getEventId, Function.identity()));
    }

    @Test
    @Order(1)
    void happyPathWithTheRegistryAccountsForEveryEventAndExposesTheJobsMetrics() throws Exception {
        Job job = job(Map.of());
        JobConfig c = job.config();
        List<String> good = send(c, 0, 30, true);
        RecordCodec<ImageEvent> images = RecordCodec.of(ImageEvent.class, c.registry());
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (String bad : List.of("corrupt-1", "corrupt-2")) {
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        bad,
                        images.encode(
                                c.topics().images(),
                                TestImages.event(bad, 1_700_000_000_000L, "cluster-it", new byte[] {
                                    (byte) 0x89, 'P', 'N', 'G', 1, 2
                                })));
            }
            KafkaTestUtil.send(p, c.topics().images(), "not-avro", "not an image event".getBytes());
        }
        int in = good.size() + 3;

        String jobId = cluster.rest.run(jarId, job.args(), null);
        cluster.rest.awaitRunning(jobId, Duration.ofSeconds(120));
        await(
                "decisions + dead letters = " + in,
                Duration.ofSeconds(120),
                () -> distinctDecisions(c).size()
                                + soFar(c, c.topics().deadLetters(), DeadLetter.class).stream()
                                        .filter(d -> !d.getErrorCode().equals("LATE_LABEL"))
                                        .count()
                        >= in);
        await(
                "a calibration report",
                Duration.ofSeconds(60),
                () -> !soFar(c, c.topics().calibration(), CalibrationReport.class)
                        .isEmpty());

        // The job's own metrics, scraped from the Prometheus endpoint of the TaskManager(s) that run it. The dead
        // letters are read first: every one committed by then was counted before the scrape.
        List<DeadLetter> deadBeforeScrape = soFar(c, c.topics().deadLetters(), DeadLetter.class);
        Set<String> tms = cluster.rest.taskManagersOf(jobId);
        StringBuilder metrics = new StringBuilder();
        for (String tm : tms) {
            metrics.append(scrape(cluster.taskManager(tm).metricsPort()));
        }
        String text = metrics.toString();
        for (String name : JobMetrics.NAMES) {
            assertThat(text).as("metric %s on %s", name, tms).contains(name);
        }
        for (DeadLetter d : deadBeforeScrape) {
            assertThat(text).contains("error_code=\"" + d.getErrorCode() + "\"");
        }
        // The JobManager's: the job's failovers (the dashboard's restarts panel).
        String jobManager = scrape(cluster.jobManagerMetricsPort);
        for (String name : JobMetrics.JOB_MANAGER_NAMES) {
            assertThat(jobManager).as("metric %s on the JobManager", name).contains(name);
        }
        // The JobManager's REST API and the endpoints listen on loopback only: nothing here binds elsewhere.
        assertThat(cluster.rest.base()).startsWith("http://127.0.0.1:");

        cluster.rest.stopWithSavepoint(jobId, savepointDir(), Duration.ofSeconds(120));
        List<Decision> decisions = settled(c, c.topics().decisions(), Decision.class);
        List<DeadLetter> all = settled(c, c.topics().deadLetters(), DeadLetter.class);
        // A label later than calibration.max-label-delay (1 s here, so it happens on a loaded machine) is a dead
        // letter of its own, LATE_LABEL, at most once per labelled event: it is not one of the events' accounting.
        List<DeadLetter> late =
                all.stream().filter(d -> d.getErrorCode().equals("LATE_LABEL")).toList();
        assertThat(late.stream().map(DeadLetter::getEventId).toList())
                .doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(good).contains(id));
        List<DeadLetter> dead =
                all.stream().filter(d -> !d.getErrorCode().equals("LATE_LABEL")).toList();
        assertThat(decisions.stream().map(Decision::getEventId).toList()).containsExactlyInAnyOrderElementsOf(good);
        assertThat(dead.stream().map(d -> new String(d.getKey().array())).toList())
                .containsExactlyInAnyOrder("corrupt-1", "corrupt-2", "not-avro");
        assertThat(dead.stream()
                        .filter(d -> d.getErrorCode().equals("UNDECODABLE_RECORD"))
                        .count())
                .isEqualTo(1);
        assertThat(decisions.size() + dead.size()).isEqualTo(in);
        System.out.printf(
                "cluster happy path: %d events in, %d decisions, %d dead letters%n", in, decisions.size(), dead.size());
    }

    @Test
    @Order(2)
    void killingATaskManagerMidStreamRecoversFromTheLastCheckpointExactlyOnce() throws Exception {
        Job job = job(Map.of("calibration.window-size", "10 s", "calibration.window-slide", "5 s"));
        JobConfig c = job.config();
        String jobId = cluster.rest.run(jarId, job.args(), null);
        cluster.rest.awaitRunning(jobId, Duration.ofSeconds(120));

        int total = 120;
        List<String> ids = new ArrayList<>(send(c, 0, 60, true));
        await(
                "decisions before the kill",
                Duration.ofSeconds(120),
                () -> distinctDecisions(c).size() >= 30 && cluster.rest.completedCheckpoints(jobId) >= 2);
        int reportsBefore =
                soFar(c, c.topics().calibration(), CalibrationReport.class).size();
        long latestWindowBefore = soFar(c, c.topics().calibration(), CalibrationReport.class).stream()
                .mapToLong(r -> r.getWindowEnd().toEpochMilli())
                .max()
                .orElse(0);

        Set<String> victims = cluster.rest.taskManagersOf(jobId);
        assertThat(victims).hasSize(1);
        String victim = victims.iterator().next();
        int decidedAtKill = distinctDecisions(c).size();
        long killedAt = System.nanoTime();
        cluster.killTaskManager(victim);
        cluster.startTaskManager("tm-replacement-" + victim);
        ids.addAll(send(c, 60, total - 60, true)); // the stream goes on while the job recovers

        await("the failover (tasks restarted)", Duration.ofSeconds(120), () -> cluster.rest.restarts(jobId) >= 1);
        long detectedMs = (System.nanoTime() - killedAt) / 1_000_000;
        cluster.rest.awaitRunning(jobId, Duration.ofSeconds(180));
        long runningAgainMs = (System.nanoTime() - killedAt) / 1_000_000;
        await(
                "new decisions after the kill",
                Duration.ofSeconds(180),
                () -> distinctDecisions(c).size() > decidedAtKill);
        long firstNewDecisionMs = (System.nanoTime() - killedAt) / 1_000_000;
        await(
                "all " + total + " decisions",
                Duration.ofSeconds(180),
                () -> distinctDecisions(c).size() >= total);
        long allDecidedMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertThat(cluster.rest.restarts(jobId)).as("the job restarted").isGreaterThanOrEqualTo(1);
        assertThat(cluster.rest.taskManagersOf(jobId)).doesNotContain(victim);
        await(
                "calibration reports after the recovery",
                Duration.ofSeconds(120),
                () -> soFar(c, c.topics().calibration(), CalibrationReport.class).stream()
                        .anyMatch(r -> r.getWindowEnd().toEpochMilli() > latestWindowBefore));

        cluster.rest.stopWithSavepoint(jobId, savepointDir(), Duration.ofSeconds(120));
        cluster.awaitTaskManagers(2);
        Map<String, Decision> decisions = assertExactlyOnce(c, ids);
        int reportsAfter =
                settled(c, c.topics().calibration(), CalibrationReport.class).size();
        assertThat(reportsAfter).isGreaterThan(reportsBefore);
        System.out.printf(
                "cluster failover: %d events, TaskManager %s killed at %d decisions; job running again after"
                        + " %d ms (failure noticed after %d ms), first new decision after %d ms, all decided after %d ms; %d decisions (each id once), %d review"
                        + " requests (each routed id once), calibration reports %d before the kill, %d at the end%n",
                total,
                victim,
                decidedAtKill,
                runningAgainMs,
                detectedMs,
                firstNewDecisionMs,
                allDecidedMs,
                decisions.size(),
                decisions.values().stream()
                        .filter(d -> d.getRouting() != Routing.AUTO)
                        .count(),
                reportsBefore,
                reportsAfter);
    }

    @Test
    @Order(3)
    void theSameJarRunsAgainOnTheSameTaskManagersAndLoadsTheModelEachTime() throws Exception {
        // Three submissions of one uploaded jar over two TaskManagers: at least one TaskManager loads the model
        // in two different user classloaders (the libc10.so trap when DJL is inside the job jar).
        Map<String, Set<String>> placements = new HashMap<>();
        List<String> running = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Job job = job(Map.of());
            String jobId = cluster.rest.run(jarId, job.args(), null);
            cluster.rest.awaitRunning(jobId, Duration.ofSeconds(120));
            placements.put(jobId, cluster.rest.taskManagersOf(jobId));
            List<String> ids = send(job.config(), 0, 8, false);
            await(
                    "decisions of submission " + (k + 1),
                    Duration.ofSeconds(120),
                    () -> distinctDecisions(job.config()).containsAll(ids));
            running.add(jobId);
            if (k == 1) {
                cluster.rest.cancel(running.remove(0)); // cancel the first, then submit the third
            }
        }
        Map<String, Long> jobsPerTaskManager = placements.values().stream()
                .flatMap(Set::stream)
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(jobsPerTaskManager.values())
                .as("jobs per TaskManager %s", placements)
                .anyMatch(n -> n >= 2);
        for (String jobId : running) {
            cluster.rest.cancel(jobId);
            cluster.rest.awaitState(jobId, "CANCELED", Duration.ofSeconds(60));
        }
        System.out.printf("same jar three times: placements %s%n", placements);
    }

    @Test
    @Order(4)
    void stopWithSavepointAndRestartWithParallelismTwoKeepsRoutingAndLabelJoinState() throws Exception {
        // target-rate routing: below 50 recent scores the fixed threshold (0.5) applies, after that a quantile.
        Map<String, String> routing = Map.of(
                "routing.mode",
                "target-rate",
                "routing.threshold",
                "0.5",
                "routing.target-review-rate",
                "0.3",
                "routing.audit-fraction",
                "0",
                "calibration.join-decisions",
                "routed",
                "calibration.window-size",
                "10 s",
                "calibration.window-slide",
                "10 s",
                "calibration.max-label-delay",
                "2 min");
        Job job = job(routing);
        JobConfig c = job.config();
        String first = cluster.rest.run(jarId, job.args("--parallelism", "1"), null);
        cluster.rest.awaitRunning(first, Duration.ofSeconds(120));
        List<String> before = send(c, 0, 60, false);
        await(
                "60 decisions before the upgrade",
                Duration.ofSeconds(120),
                () -> distinctDecisions(c).size() >= 60);
        String savepoint = cluster.rest.stopWithSavepoint(first, savepointDir(), Duration.ofSeconds(120));

        // Labels for decisions made before the upgrade arrive while the job is down.
        Map<String, Decision> beforeDecisions = settled(c, c.topics().decisions(), Decision.class).stream()
                .collect(Collectors.toMap(Decision::getEventId, Function.identity()));
        List<String> routedBefore = beforeDecisions.values().stream()
                .filter(d -> d.getRouting() != Routing.AUTO)
                .map(Decision::getEventId)
                .sorted()
                .toList();
        assertThat(routedBefore).isNotEmpty();
        RecordCodec<LabelEvent> labels = RecordCodec.of(LabelEvent.class, c.registry());
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (String id : routedBefore) {
                sendLabel(p, c, labels, id, labelOf(id));
            }
        }

        String second =
                cluster.rest.run(jarId, job.args("--parallelism", "2", "--state.backend", "rocksdb"), savepoint);
        cluster.rest.awaitRunning(second, Duration.ofSeconds(120));
        // Label-join state survived: only labels of decisions made before the upgrade exist yet, and all of them join
        // with the decisions restored from the savepoint (on either of the two new subtasks).
        await(
                "labels joined with decisions made before the upgrade",
                Duration.ofSeconds(120),
                () -> cluster.rest.operatorMetricSum(second, "join labels", "labelsJoined") >= routedBefore.size());
        List<String> after = send(c, 200, 40, true);
        await(
                "all 100 decisions",
                Duration.ofSeconds(120),
                () -> distinctDecisions(c).size() >= 100);
        cluster.rest.stopWithSavepoint(second, savepointDir(), Duration.ofSeconds(120));

        List<String> all = new ArrayList<>(before);
        all.addAll(after);
        Map<String, Decision> decisions = assertExactlyOnce(c, all);
        // Routing state: after the restore both subtasks route with the quantile of the restored window.
        List<Decision> upgraded = after.stream().map(decisions::get).toList();
        assertThat(upgraded)
                .allSatisfy(d ->
                        assertThat(d.getRoutingThreshold()).as(d.getEventId()).isNotEqualTo(0.5));
        System.out.printf(
                "upgrade 1 -> 2 (hashmap -> rocksdb) from %s: %d decisions before, %d after, each id once;"
                        + " %d labels for pre-upgrade decisions joined after it; %d of %d post-upgrade decisions reviewed%n",
                savepoint,
                before.size(),
                after.size(),
                routedBefore.size(),
                upgraded.stream().filter(d -> d.getRouting() != Routing.AUTO).count(),
                upgraded.size());
    }

    /**
     * The hostile stream ({@link HostileStream}) on the multi-process cluster with the registry on: each poison and a
     * canary after it. Every canary decided exactly once, every poison accounted for exactly once, the calibration
     * window of the canaries fires with all of them (a year-9999 event made none late), and no task restarted and no
     * TaskManager exited. Nothing of the cluster listens beyond loopback.
     */
    @Test
    @Order(5)
    void aHostileStreamNeitherRestartsTheJobNorStopsATaskManager() throws Exception {
        Map<String, String> options = new HashMap<>(HostileStream.options());
        options.put("calibration.window-size", "10 s");
        options.put("calibration.window-slide", "10 s");
        options.put("drift.window-size", "10 s");
        options.put("events.max-out-of-orderness", "1 s");
        Job job = job(options);
        JobConfig c = job.config();
        try (var admin = kafka.admin()) {
            HostileStream.allowLargeImages(admin, c.topics().images());
        }
        List<Process> before = cluster.processes();
        String jobId = cluster.rest.run(jarId, job.args(), null);
        cluster.rest.awaitRunning(jobId, Duration.ofSeconds(120));
        HostileStream.Produced p = HostileStream.produce(
                kafka.bootstrapServers(),
                c,
                RecordCodec.of(ImageEvent.class, c.registry()),
                RecordCodec.of(LabelEvent.class, c.registry()));
        int expected = p.canaryTruth().size() + HostileStream.DECIDED_POISONS.size();
        await(
                expected + " decisions and 3 dead letters",
                Duration.ofSeconds(180),
                () -> distinctDecisions(c).size() >= expected
                        && soFar(c, c.topics().deadLetters(), DeadLetter.class).size() >= 3);
        // One labelled event 30 s later closes the canaries' window (its pair moves the labelled watermark).
        try (KafkaProducer<byte[], byte[]> prod = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            RecordCodec<ImageEvent> images = RecordCodec.of(ImageEvent.class, c.registry());
            KafkaTestUtil.send(
                    prod,
                    c.topics().images(),
                    "tail",
                    images.encode(
                            c.topics().images(),
                            TestImages.event(
                                    "tail",
                                    p.now() + 30_000,
                                    "cluster-it",
                                    Files.readAllBytes(items.get(0).file()))));
            sendLabel(
                    prod,
                    c,
                    RecordCodec.of(LabelEvent.class, c.registry()),
                    "tail",
                    items.get(0).label());
        }
        await(
                "the canaries' calibration window",
                Duration.ofSeconds(120),
                () -> soFar(c, c.topics().calibration(), CalibrationReport.class).stream()
                        .anyMatch(r -> r.getWindowStart().toEpochMilli() <= p.now()
                                && r.getWindowEnd().toEpochMilli() > p.now()));
        CalibrationReport canaries = soFar(c, c.topics().calibration(), CalibrationReport.class).stream()
                .filter(r -> r.getWindowStart().toEpochMilli() <= p.now()
                        && r.getWindowEnd().toEpochMilli() > p.now())
                .findFirst()
                .orElseThrow();
        assertThat(canaries.getDecided())
                .as("every canary in its window, none late")
                .isEqualTo(p.canaryTruth().size());

        long restarts = cluster.rest.restarts(jobId);
        assertThat(restarts).as("no task restarted").isZero();
        assertThat(before).as("no TaskManager or JobManager exited").allMatch(Process::isAlive);
        for (Process proc : cluster.processes()) {
            assertThat(io.bayesvlm.embedded.ListeningSockets.of(proc.pid()))
                    .allSatisfy(l -> assertThat(l.loopback())
                            .as("%s of process %d on loopback", l, proc.pid())
                            .isTrue());
        }
        cluster.rest.stopWithSavepoint(jobId, savepointDir(), Duration.ofSeconds(120));
        long end = System.currentTimeMillis();
        String bs = kafka.bootstrapServers();
        List<ConsumerRecord<byte[], byte[]>> decisionRecords =
                KafkaTestUtil.readAll(bs, c.topics().decisions()).stream()
                        .filter(r -> !"tail".equals(new String(r.key())))
                        .toList();
        List<ConsumerRecord<byte[], byte[]>> reviewRecords = KafkaTestUtil.readAll(
                        bs, c.topics().reviews())
                .stream()
                .filter(r -> !"tail".equals(new String(r.key())))
                .toList();
        HostileStream.assertAccountedFor(
                c,
                p,
                decisionRecords,
                decode(c, c.topics().decisions(), Decision.class, decisionRecords),
                settled(c, c.topics().deadLetters(), DeadLetter.class),
                reviewRecords,
                decode(c, c.topics().reviews(), ReviewRequest.class, reviewRecords),
                "UNKNOWN_SCHEMA_ID",
                end);
        HostileStream.assertWindowsCurrent(
                p,
                settled(c, c.topics().calibration(), CalibrationReport.class),
                settled(c, c.topics().drift(), io.bayesvlm.avro.DriftReport.class),
                end);
        System.out.printf(
                "hostile stream (cluster): %d decisions, canaries' window %d labelled, restarts %d, processes alive%n",
                expected, canaries.getDecided(), restarts);
    }
}
