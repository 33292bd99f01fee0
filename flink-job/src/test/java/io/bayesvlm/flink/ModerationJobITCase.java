package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.core.metrics.Calibration;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.flink.kafka.RawRecordDeserializer;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.AvroCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job end to end: a real KRaft broker in this JVM, a Flink MiniCluster, the default model through DJL, and
 * exactly-once Kafka sinks read back with read_committed consumers. One fresh set of topics per test.
 */
class ModerationJobITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    static TestKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    static JobConfig config(String suffix, Map<String, String> extra) throws Exception {
        return ItConfig.of(kafka, suffix, extra);
    }

    record Produced(Map<String, String> truth, List<String> badIds) {}

    /** n sample images as events 1 s apart, plus one of each kind of bad input; labels for every good event. */
    static Produced produce(JobConfig c, int n, boolean withBad) throws IOException {
        AvroCodec<io.bayesvlm.avro.ImageEvent> images = new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class);
        AvroCodec<LabelEvent> labels = new AvroCodec<>(LabelEvent.class);
        List<SampleImages.Item> items =
                SampleImages.items(ROOT.resolve("models/fashion-mnist-sample")).subList(0, n);
        Map<String, String> truth = new HashMap<>();
        List<String> bad = new ArrayList<>();
        long t0 = 1_700_000_000_000L;
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            // Half of the labels arrive before their decision exists: written before the images.
            for (int i = 0; i < n; i += 2) {
                String id = "e-" + i;
                KafkaTestUtil.send(
                        p,
                        c.topics().labels(),
                        id,
                        labels.encode(label(id, items.get(i).label(), i % 4 == 0)));
            }
            for (int i = 0; i < n; i++) {
                String id = "e-" + i;
                truth.put(id, items.get(i).label());
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        id,
                        images.encode(TestImages.event(
                                id,
                                t0 + 1000L * i,
                                "it",
                                Files.readAllBytes(items.get(i).file()))));
            }
            if (withBad) {
                byte[] corrupt = new byte[300];
                new java.util.Random(1).nextBytes(corrupt);
                System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 0, corrupt, 0, 8);
                byte[] big = new byte[150_000];
                big[0] = (byte) 0x89;
                Map<String, byte[]> badImages = Map.of(
                        "bad-corrupt",
                        corrupt,
                        "bad-empty",
                        new byte[0],
                        "bad-bomb",
                        io.bayesvlm.core.TestImages.pngHeader(60_000, 60_000),
                        "bad-oversized",
                        big);
                for (var e : badImages.entrySet()) {
                    bad.add(e.getKey());
                    KafkaTestUtil.send(
                            p,
                            c.topics().images(),
                            e.getKey(),
                            images.encode(TestImages.event(e.getKey(), t0, "it", e.getValue())));
                }
                KafkaTestUtil.send(p, c.topics().images(), "bad-avro", "definitely not avro".getBytes());
                bad.add("bad-avro");
            }
            for (int i = 1; i < n; i += 2) {
                String id = "e-" + i;
                KafkaTestUtil.send(
                        p,
                        c.topics().labels(),
                        id,
                        labels.encode(label(id, items.get(i).label(), i % 4 == 1)));
            }
        }
        return new Produced(truth, bad);
    }

    /** The job as built for production, on bounded sources (stops at the offsets current at start). */
    static void runBounded(JobConfig c, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, true), KafkaEndpoints.sinks(c), c);
        env.execute(name);
    }

    static LabelEvent label(String id, String label, boolean audit) {
        return LabelEvent.newBuilder()
                .setEventId(id)
                .setLabel(label)
                .setLabelSource(audit ? LabelSource.AUDIT : LabelSource.GROUND_TRUTH)
                .setLabelTime(Instant.now())
                .build();
    }

    /**
     * calibration.recalibrate end to end: temperatures fitted by an earlier window (read back from the calibration
     * topic) recalibrate the decisions made after they arrive, with their version; the job's own windows fit new ones.
     */
    @Test
    void onlineRecalibrationAppliesTheLatestTemperaturesWithTheirVersion() throws Exception {
        JobConfig c = config(
                UUID.randomUUID().toString().substring(0, 8),
                Map.of(
                        "calibration.recalibrate",
                        "true",
                        // its 20 s windows hold a handful of design labels; the minimum has its own unit test
                        "calibration.min-labels",
                        "1"));
        CalibrationReport earlier =
                io.bayesvlm.flink.operators.CalibrationReports.build(List.of(), 10, 0, 1_600_000_000_000L);
        earlier.setRecalibration(io.bayesvlm.avro.Recalibration.newBuilder()
                .setVersion(1_600_000_000_000L)
                .setTemperatureBayes(2.0)
                .setTemperatureMap(0.5)
                .setFittedOn(500)
                .setHeldOut(0)
                .build());
        String bs = kafka.bootstrapServers();
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(bs)) {
            KafkaTestUtil.send(
                    p, c.topics().calibration(), "m", new AvroCodec<>(CalibrationReport.class).encode(earlier));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, false), KafkaEndpoints.sinks(c), c);
        org.apache.flink.core.execution.JobClient job = env.executeAsync("it-recalibration");
        AvroCodec<io.bayesvlm.avro.ImageEvent> images = new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class);
        byte[] png = Files.readAllBytes(SampleImages.items(ROOT.resolve("models/fashion-mnist-sample"))
                .get(0)
                .file());
        long t0 = 1_700_000_000_000L;
        try {
            // Probe images until one is decided with the earlier temperatures: the feedback reaches
            // the router in no
            // set order with the images, but one router subtask decides in arrival order, so from
            // then on every
            // decision carries them.
            AtomicInteger probes = new AtomicInteger();
            try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(bs)) {
                await("a decision made with the earlier temperatures")
                        .atMost(java.time.Duration.ofSeconds(120))
                        .pollInterval(java.time.Duration.ofMillis(500))
                        .until(() -> {
                            String id = "probe-" + probes.getAndIncrement();
                            KafkaTestUtil.send(
                                    p, c.topics().images(), id, images.encode(TestImages.event(id, t0, "it", png)));
                            return decided(c).stream()
                                    .anyMatch(d ->
                                            d.getEventId().startsWith("probe-") && d.getCalibrationVersion() != null);
                        });
            }
            produce(c, 32, false);
            // A labelled event two hours on moves the labelled pairs' event time past
            // calibration.max-label-delay, so
            // the windows holding the 32 close and fit temperatures of their own.
            try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(bs)) {
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        "later",
                        images.encode(TestImages.event("later", t0 + 7_200_000L, "it", png)));
                KafkaTestUtil.send(
                        p,
                        c.topics().labels(),
                        "later",
                        new AvroCodec<>(LabelEvent.class).encode(label("later", "t-shirt", false)));
            }
            await("the 32 events decided")
                    .atMost(java.time.Duration.ofSeconds(120))
                    .pollInterval(java.time.Duration.ofMillis(500))
                    .until(() -> decided(c).stream()
                                    .filter(d -> d.getEventId().startsWith("e-"))
                                    .count()
                            == 32);
            List<CalibrationReport> ownReports = await("reports of the job's own windows")
                    .atMost(java.time.Duration.ofSeconds(120))
                    .pollInterval(java.time.Duration.ofMillis(500))
                    .until(
                            () -> KafkaTestUtil.readCommittedSoFar(
                                            bs, c.topics().calibration())
                                    .stream()
                                    .map(r -> decodeReport(r.value()))
                                    .filter(r -> r.getWindowEnd().toEpochMilli() > 1_600_000_000_000L)
                                    .toList(),
                            own -> !own.isEmpty());
            // every window with design labels fits temperatures; one without (the last, ground truth only) fits none
            assertThat(ownReports).allSatisfy(r -> {
                long design = r.getPopulation() == null ? 0 : r.getPopulation().getLabels();
                if (design == 0) {
                    assertThat(r.getRecalibration()).isNull();
                } else {
                    assertThat(r.getRecalibration().getTemperatureBayes()).isPositive();
                    assertThat(r.getRecalibration().getFittedOn()).isEqualTo(design);
                }
            });
            assertThat(ownReports)
                    .anySatisfy(r -> assertThat(r.getRecalibration()).isNotNull());
        } finally {
            job.cancel().get();
        }
        List<Decision> decisions =
                decided(c).stream().filter(d -> d.getEventId().startsWith("e-")).toList();
        assertThat(decisions).hasSize(32);
        for (Decision d : decisions) {
            assertThat(d.getCalibrationVersion()).as(d.getEventId()).isEqualTo(1_600_000_000_000L);
            double[] p = d.getProbs().stream().mapToDouble(Double::doubleValue).toArray();
            double[] expected = io.bayesvlm.core.metrics.TemperatureScaling.apply(
                    io.bayesvlm.core.metrics.TemperatureScaling.logitsOf(p), 2.0);
            for (int k = 0; k < p.length; k++) {
                assertThat(d.getRecalibratedProbs().get(k)).isCloseTo(expected[k], within(1e-9));
            }
        }
    }

    /** The decisions committed so far. */
    static List<Decision> decided(JobConfig c) throws Exception {
        AvroCodec<Decision> codec = new AvroCodec<>(Decision.class);
        List<Decision> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestUtil.readCommittedSoFar(
                kafka.bootstrapServers(), c.topics().decisions())) {
            out.add(codec.decode(c.topics().decisions(), r.value()));
        }
        return out;
    }

    static CalibrationReport decodeReport(byte[] value) {
        try {
            return new AvroCodec<>(CalibrationReport.class).decode(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The label-free drift warning on real inference: 60 clean images then 60 inverted ones (1 s apart, no labels at
     * all), 20 s windows, the first two pooled as the reference. The clean third window stays in the band; the first
     * inverted window warns, with the model's confidence down, and ends the reference: the next two (inverted) windows
     * form the new one.
     */
    @Test
    void theLabelFreeDriftWarningFiresOnTheFirstDriftedWindowAndNotBefore() throws Exception {
        // two partitions are read at their own pace: allow the whole span as out-of-orderness, so that no decision is
        // late for its window (late ones are left out and counted in Flink's numLateRecordsDropped)
        JobConfig c = config(
                UUID.randomUUID().toString().substring(0, 8),
                Map.of(
                        "drift.window-size",
                        "20 s",
                        "drift.reference-windows",
                        "2",
                        "drift.min-decisions",
                        "10",
                        "drift.z-threshold",
                        "5",
                        "events.max-out-of-orderness",
                        "2 min"));
        List<SampleImages.Item> items =
                SampleImages.items(ROOT.resolve("models/fashion-mnist-sample")).subList(0, 120);
        AvroCodec<io.bayesvlm.avro.ImageEvent> images = new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class);
        long t0 = 1_700_000_000_000L; // a multiple of 20 s: windows start at t0
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < 120; i++) {
                byte[] png = SampleImages.png(
                        items.get(i).file(),
                        i < 60 ? io.bayesvlm.core.data.ImageShift.NONE : io.bayesvlm.core.data.ImageShift.INVERT,
                        3,
                        i);
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        "d-" + i,
                        images.encode(TestImages.event("d-" + i, t0 + 1000L * i, "it", png)));
            }
        }
        runBounded(c, "it-drift");
        List<io.bayesvlm.avro.DriftReport> reports =
                KafkaTestUtil.readAll(kafka.bootstrapServers(), c.topics().drift(), io.bayesvlm.avro.DriftReport.class)
                        .stream()
                        .sorted(java.util.Comparator.comparing(io.bayesvlm.avro.DriftReport::getWindowStart))
                        .toList();
        assertThat(reports)
                .extracting(r -> (r.getWindowStart().toEpochMilli() - t0) / 1000)
                .containsExactly(0L, 20L, 40L, 60L, 80L, 100L);
        assertThat(reports)
                .extracting(io.bayesvlm.avro.DriftReport::getDecisions)
                .containsOnly(20L);
        assertThat(reports)
                .extracting(io.bayesvlm.avro.DriftReport::getWarning)
                .containsExactly(false, false, false, true, false, false);
        assertThat(reports.get(1).getReferenceWindows()).isEqualTo(2);
        assertThat(reports.get(2).getReference().getDecisions()).isEqualTo(40);
        assertThat(reports.get(3).getZConfidence()).isNegative(); // the model is less sure of inverted images
        assertThat(reports.get(3).getReason()).isNotEmpty();
        assertThat(reports.subList(4, 6))
                .allSatisfy(r -> assertThat(r.getReference()).isNull());
        assertThat(reports.get(5).getReferenceWindows()).isEqualTo(2);
        reports.forEach(r -> System.out.printf(
                "drift window +%d s: warning %s (%s); z confidence %s, top_logit_std %s,"
                        + " mutual_info %s, review share %s%n",
                (r.getWindowStart().toEpochMilli() - t0) / 1000,
                r.getWarning(),
                r.getReason(),
                r.getZConfidence(),
                r.getZTopLogitStd(),
                r.getZMutualInfo(),
                r.getZReviewShare()));
    }

    /**
     * routing.mode=risk, routing.certify=window end to end. Without a vouched-for threshold everything is reviewed
     * (conservative start); with one read back from the calibration topic (a report a previous run wrote), nothing
     * below it is ever decided automatically; and the job's own calibration reports carry the thresholds their labels
     * vouch for.
     */
    @Test
    void windowRiskModeReviewsEverythingUntilVouchedAndNeverDecidesBelowTheVouchedThreshold() throws Exception {
        // no report yet: the conservative start
        JobConfig fresh = config(
                UUID.randomUUID().toString().substring(0, 8),
                Map.of("routing.mode", "risk", "routing.max-auto-error", "0.05", "routing.certify", "window"));
        produce(fresh, 24, false);
        runBounded(fresh, "it-risk-fresh");
        String bs = kafka.bootstrapServers();
        List<Decision> first = KafkaTestUtil.readAll(bs, fresh.topics().decisions(), Decision.class);
        assertThat(first).hasSize(24).allSatisfy(d -> {
            assertThat(d.getRouting()).isEqualTo(Routing.REVIEW);
            assertThat(d.getLabelPropensity()).isEqualTo(1.0);
        });
        List<CalibrationReport> reports =
                KafkaTestUtil.readAll(bs, fresh.topics().calibration(), CalibrationReport.class);
        assertThat(reports).isNotEmpty().allSatisfy(r -> {
            assertThat(r.getRisk().getAlpha()).isEqualTo(0.05);
            assertThat(r.getRisk().getScore()).isEqualTo("max_prob");
            assertThat(r.getRisk().getThreshold()).isNull(); // a few dozen labels vouch for nothing at 5%
        });

        // a report from an earlier window vouches for max_prob >= 0.9
        JobConfig vouched = config(
                UUID.randomUUID().toString().substring(0, 8),
                Map.of("routing.mode", "risk", "routing.max-auto-error", "0.05", "routing.certify", "window"));
        CalibrationReport earlier =
                io.bayesvlm.flink.operators.CalibrationReports.build(List.of(), 10, 0, 1_600_000_000_000L);
        earlier.setRisk(io.bayesvlm.avro.RiskControl.newBuilder()
                .setScore("max_prob")
                .setAlpha(0.05)
                .setDelta(0.05)
                .setThreshold(0.9)
                .setUpperBound(0.045)
                .setLabelsAtThreshold(900)
                .setLabelsUsed(1200)
                .setDesignLabels(3000)
                .build());
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(bs)) {
            KafkaTestUtil.send(
                    p, vouched.topics().calibration(), "m", new AvroCodec<>(CalibrationReport.class).encode(earlier));
        }
        produce(vouched, 48, false);
        runBounded(vouched, "it-risk-vouched");
        List<Decision> decisions = KafkaTestUtil.readAll(bs, vouched.topics().decisions(), Decision.class);
        assertThat(decisions).hasSize(48).allSatisfy(d -> {
            double maxProb = d.getUncertainty().getMaxProb();
            if (maxProb < 0.9) {
                assertThat(d.getRouting())
                        .as("%s at max_prob %s", d.getEventId(), maxProb)
                        .isEqualTo(Routing.REVIEW);
            }
            assertThat(d.getLabelPropensity()).isEqualTo(d.getRouting() == Routing.REVIEW ? 1.0 : 0.25);
        });
        System.out.printf(
                "risk mode: vouched max_prob >= 0.9; %d of %d decided automatically or audited%n",
                decisions.stream().filter(d -> d.getRouting() != Routing.REVIEW).count(), decisions.size());
    }

    /**
     * routing.mode=risk with the default routing.certify=sequence end to end. From a cold start everything is
     * reviewed and the certification says why (collecting its label-free grid: GRID, no threshold); with a certificate
     * read back from the certificates topic (one an earlier run of this model wrote: max_prob >= 0.9 certified), no
     * decision below it is automatic; one for another model changes nothing.
     */
    @Test
    void sequenceRiskModeRoutesByTheLatestCertificateOfItsModel() throws Exception {
        String bs = kafka.bootstrapServers();
        JobConfig fresh = config(
                UUID.randomUUID().toString().substring(0, 8),
                Map.of("routing.mode", "risk", "routing.max-auto-error", "0.05"));
        produce(fresh, 24, false);
        runBounded(fresh, "it-certify-fresh");
        assertThat(KafkaTestUtil.readAll(bs, fresh.topics().decisions(), Decision.class))
                .hasSize(24)
                .allSatisfy(d -> assertThat(d.getRouting()).isEqualTo(Routing.REVIEW));
        List<io.bayesvlm.avro.RiskCertificate> certificates =
                KafkaTestUtil.readAll(bs, fresh.topics().certificates(), io.bayesvlm.avro.RiskCertificate.class);
        assertThat(certificates).isNotEmpty().allSatisfy(c -> {
            assertThat(c.getState()).isEqualTo("GRID");
            assertThat(c.getThreshold()).isNull();
            assertThat(c.getAlpha()).isEqualTo(0.05);
        });
        // the calibration windows carry no threshold of their own in this mode
        assertThat(KafkaTestUtil.readAll(bs, fresh.topics().calibration(), CalibrationReport.class))
                .allSatisfy(r -> assertThat(r.getRisk()).isNull());

        JobConfig certified = config(
                UUID.randomUUID().toString().substring(0, 8),
                Map.of("routing.mode", "risk", "routing.max-auto-error", "0.05"));
        io.bayesvlm.avro.RiskCertificate mine = certificates.get(0);
        mine.setState("CERTIFIED");
        mine.setThreshold(0.9);
        mine.setTested(1000);
        // issued later than anything this run's own certification (a fresh one: GRID) writes during the run, so it
        // stays in force, yet within events.max-future (5 min) of the clock
        mine.setIssuedAt(Instant.now().plus(Duration.ofMinutes(4)));
        io.bayesvlm.avro.RiskCertificate other = io.bayesvlm.avro.RiskCertificate.newBuilder(mine)
                .setModelName("another-model")
                .setThreshold(0.0)
                .setIssuedAt(Instant.now().plus(Duration.ofMinutes(4)).plusMillis(1))
                .build();
        // one for this model stamped an hour ahead (a skewed clock or a forged record) would outrank every later
        // certificate: it is dead-lettered, not applied
        io.bayesvlm.avro.RiskCertificate ahead = io.bayesvlm.avro.RiskCertificate.newBuilder(mine)
                .setThreshold(0.0)
                .setIssuedAt(Instant.now().plus(Duration.ofHours(1)))
                .build();
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(bs)) {
            var codec = new AvroCodec<>(io.bayesvlm.avro.RiskCertificate.class);
            KafkaTestUtil.send(p, certified.topics().certificates(), "m", codec.encode(mine));
            KafkaTestUtil.send(p, certified.topics().certificates(), "o", codec.encode(other));
            KafkaTestUtil.send(p, certified.topics().certificates(), "a", codec.encode(ahead));
        }
        produce(certified, 48, false);
        runBounded(certified, "it-certify-certified");
        List<Decision> decisions = KafkaTestUtil.readAll(bs, certified.topics().decisions(), Decision.class);
        assertThat(decisions).hasSize(48).allSatisfy(d -> {
            if (d.getUncertainty().getMaxProb() < 0.9) {
                assertThat(d.getRouting()).as(d.getEventId()).isEqualTo(Routing.REVIEW);
            }
        });
        assertThat(decisions).extracting(Decision::getRouting).contains(Routing.AUTO);
        assertThat(KafkaTestUtil.readAll(bs, certified.topics().deadLetters(), DeadLetter.class))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.getTopic()).isEqualTo(certified.topics().certificates());
                    assertThat(d.getErrorMessage()).contains("events.max-future");
                });
    }

    /**
     * A model whose preprocessing overflows: image.std = 1e-45 turns every non-zero pixel into an infinite input,
     * and the real encoder (libtorch through DJL) into NaN activations, while an all-black image stays finite. The
     * NaN predictions become NON_FINITE_SCORE dead letters; not one is decided, automatically or otherwise.
     */
    @Test
    void imagesThatYieldNonFiniteLogitsAreDeadLetteredNeverDecided() throws Exception {
        Path model = Files.createTempDirectory("overflowing-model");
        try (var files = Files.list(ROOT.resolve("models/fashion-clip"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(model.resolve("model.json").toFile());
        var image = (com.fasterxml.jackson.databind.node.ObjectNode) json.get("image");
        image.putArray("mean").add(0.0);
        image.putArray("std").add(1e-45);
        new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValue(model.resolve("model.json").toFile(), json);

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        JobConfig c = config(suffix, Map.of("model.dir", model.toString(), "routing.audit-fraction", "0"));
        List<SampleImages.Item> items =
                SampleImages.items(ROOT.resolve("models/fashion-mnist-sample")).subList(0, 6);
        java.io.ByteArrayOutputStream black = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(
                new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", black);
        AvroCodec<io.bayesvlm.avro.ImageEvent> images = new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class);
        List<String> nonBlack = new ArrayList<>();
        List<String> blackIds = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < items.size(); i++) {
                String id = "nan-" + i;
                nonBlack.add(id);
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        id,
                        images.encode(TestImages.event(
                                id,
                                1_700_000_000_000L + i,
                                "it",
                                Files.readAllBytes(items.get(i).file()))));
                String b = "black-" + i;
                blackIds.add(b);
                KafkaTestUtil.send(
                        p,
                        c.topics().images(),
                        b,
                        images.encode(TestImages.event(b, 1_700_000_000_000L + i, "it", black.toByteArray())));
            }
        }
        runBounded(c, "it-non-finite");

        String bs = kafka.bootstrapServers();
        List<Decision> decisions = KafkaTestUtil.readAll(bs, c.topics().decisions(), Decision.class);
        List<DeadLetter> dead = KafkaTestUtil.readAll(bs, c.topics().deadLetters(), DeadLetter.class);
        assertThat(decisions).extracting(Decision::getEventId).containsExactlyInAnyOrderElementsOf(blackIds);
        assertThat(decisions).allSatisfy(d -> {
            assertThat(d.getProbs()).allSatisfy(v -> assertThat(v).isFinite());
            assertThat(d.getLogitsVar()).allSatisfy(v -> assertThat(v).isFinite());
            assertThat(d.getUncertainty().getEntropy()).isFinite();
        });
        assertThat(dead).extracting(DeadLetter::getEventId).containsExactlyInAnyOrderElementsOf(nonBlack);
        assertThat(dead).allSatisfy(d -> {
            assertThat(d.getErrorCode()).isEqualTo("NON_FINITE_SCORE");
            assertThat(d.getTopic()).isEqualTo(c.topics().images());
            assertThat(d.getOffset()).isNotNegative();
        });
        assertThat(KafkaTestUtil.readAll(bs, c.topics().reviews(), ReviewRequest.class))
                .extracting(ReviewRequest::getEventId)
                .doesNotContainAnyElementsOf(nonBlack);
        io.bayesvlm.embedded.TempDirs.deleteRecursively(model);
    }

    @Test
    void everyInputIsAccountedForBadInputIsDeadLetteredAndCalibrationMatchesOffline() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        JobConfig c = config(suffix, Map.of());
        Produced in = produce(c, 48, true);

        runBounded(c, "it-accounting");

        String bs = kafka.bootstrapServers();
        List<Decision> decisions = KafkaTestUtil.readAll(bs, c.topics().decisions(), Decision.class);
        List<DeadLetter> dead = KafkaTestUtil.readAll(bs, c.topics().deadLetters(), DeadLetter.class);
        List<ReviewRequest> reviews = KafkaTestUtil.readAll(bs, c.topics().reviews(), ReviewRequest.class);
        List<CalibrationReport> reports = KafkaTestUtil.readAll(bs, c.topics().calibration(), CalibrationReport.class);

        // Every event in is accounted for: decisions + dead letters from the image topic = events in.
        List<DeadLetter> imageDead = dead.stream()
                .filter(d -> d.getTopic().equals(c.topics().images()))
                .toList();
        assertThat(decisions.size() + imageDead.size())
                .isEqualTo(in.truth().size() + in.badIds().size());
        assertThat(decisions.stream().map(Decision::getEventId))
                .containsExactlyInAnyOrderElementsOf(in.truth().keySet());

        Map<String, String> codes = imageDead.stream()
                .collect(Collectors.toMap(
                        d -> d.getEventId() == null ? "bad-avro" : d.getEventId(), DeadLetter::getErrorCode));
        assertThat(codes)
                .containsEntry("bad-corrupt", "CORRUPT_IMAGE")
                .containsEntry("bad-empty", "EMPTY_INPUT")
                .containsEntry("bad-bomb", "TOO_MANY_PIXELS")
                .containsEntry("bad-oversized", "TOO_MANY_BYTES")
                .containsEntry("bad-avro", "UNDECODABLE_RECORD");
        DeadLetter avro = imageDead.stream()
                .filter(d -> d.getEventId() == null)
                .findFirst()
                .orElseThrow();
        assertThat(new String(avro.getValue().array())).isEqualTo("definitely not avro"); // original bytes kept

        // Routed decisions appear in review requests, exactly once, with the matching reason.
        Map<String, Routing> routing =
                decisions.stream().collect(Collectors.toMap(Decision::getEventId, Decision::getRouting));
        assertThat(reviews.stream().map(ReviewRequest::getEventId))
                .containsExactlyInAnyOrderElementsOf(routing.entrySet().stream()
                        .filter(e -> e.getValue() != Routing.AUTO)
                        .map(Map.Entry::getKey)
                        .toList());
        for (ReviewRequest r : reviews) {
            assertThat(r.getReason())
                    .isEqualTo(
                            routing.get(r.getEventId()) == Routing.REVIEW
                                    ? ReviewReason.UNCERTAIN
                                    : ReviewReason.AUDIT);
        }
        assertThat(routing.values()).contains(Routing.AUTO);
        for (Decision d : decisions) {
            boolean uncertain = d.getUncertainty().getMaxProb() < 0.9;
            assertThat(d.getRouting() == Routing.REVIEW).isEqualTo(uncertain);
        }

        // Calibration reports equal an offline recomputation from the same decisions and labels.
        assertThat(reports).isNotEmpty();
        Map<String, Decision> byId =
                decisions.stream().collect(Collectors.toMap(Decision::getEventId, Function.identity()));
        for (CalibrationReport r : reports) {
            long start = r.getWindowStart().toEpochMilli();
            long end = r.getWindowEnd().toEpochMilli();
            List<double[]> bayes = new ArrayList<>();
            List<double[]> map = new ArrayList<>();
            List<Integer> y = new ArrayList<>();
            for (Decision d : byId.values()) {
                long t = d.getEventTime().toEpochMilli();
                if (t >= start && t < end) {
                    bayes.add(d.getProbs().stream()
                            .mapToDouble(Double::doubleValue)
                            .toArray());
                    map.add(d.getMapProbs().stream()
                            .mapToDouble(Double::doubleValue)
                            .toArray());
                    y.add(d.getClasses().indexOf(in.truth().get(d.getEventId())));
                }
            }
            int[] labels = y.stream().mapToInt(Integer::intValue).toArray();
            Calibration.Report b = Calibration.evaluate(bayes, labels, 15);
            Calibration.Report m = Calibration.evaluate(map, labels, 15);
            assertThat(r.getLabelled()).isEqualTo(labels.length);
            assertThat(r.getBayes().getEce()).isCloseTo(b.ece(), within(1e-12));
            assertThat(r.getMap().getEce()).isCloseTo(m.ece(), within(1e-12));
            assertThat(r.getBayes().getNll()).isCloseTo(b.nll(), within(1e-12));
            assertThat(r.getBayes().getAccuracy()).isCloseTo(b.accuracy(), within(1e-12));
        }
        long windowsWithAll =
                reports.stream().mapToLong(CalibrationReport::getLabelled).sum();
        assertThat(windowsWithAll).isGreaterThanOrEqualTo(48); // each pair lies in two 20 s windows sliding by 10 s
    }

    /** Throws once, mid-stream, and slows reading so that checkpoints complete before the failure. */
    static class FailOnce implements KafkaRecordDeserializationSchema<RawRecord> {
        static final AtomicInteger SEEN = new AtomicInteger();
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private final RawRecordDeserializer delegate = new RawRecordDeserializer();
        private final int failAt;

        FailOnce(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) throws IOException {
            try {
                Thread.sleep(15);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (SEEN.incrementAndGet() >= failAt && FAILED.compareAndSet(false, true)) {
                throw new IOException("injected failure at record " + SEEN.get());
            }
            delegate.deserialize(record, out);
        }

        @Override
        public org.apache.flink.api.common.typeinfo.TypeInformation<RawRecord> getProducedType() {
            return delegate.getProducedType();
        }
    }

    @Test
    void exactlyOnceAcrossAnInjectedTaskFailure() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        // Flink's own keys reach the job through its configuration, like any other option.
        JobConfig c = config(
                suffix,
                Map.of(
                        "checkpoint.interval",
                        "300 ms",
                        "restart-strategy.type",
                        "fixed-delay",
                        "restart-strategy.fixed-delay.attempts",
                        "3",
                        "restart-strategy.fixed-delay.delay",
                        "200 ms"));
        int n = 160;
        Produced in = produce(c, n, false);
        FailOnce.SEEN.set(0);
        FailOnce.FAILED.set(false);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        ModerationJob.Sources sources = new ModerationJob.Sources(
                KafkaEndpoints.source(c, c.topics().images(), true, new FailOnce(n * 2 / 3)),
                KafkaEndpoints.source(c, c.topics().labels(), true, new RawRecordDeserializer()),
                KafkaEndpoints.source(c, c.topics().calibration(), true, new RawRecordDeserializer()),
                KafkaEndpoints.source(c, c.topics().certificates(), true, new RawRecordDeserializer()));
        ModerationJob.buildPipeline(env, sources, KafkaEndpoints.sinks(c), c);
        env.execute("it-exactly-once");
        assertThat(FailOnce.FAILED).isTrue();

        String bs = kafka.bootstrapServers();
        List<Decision> decisions = KafkaTestUtil.readAll(bs, c.topics().decisions(), Decision.class);
        Map<String, Long> counts =
                decisions.stream().collect(Collectors.groupingBy(Decision::getEventId, Collectors.counting()));
        assertThat(counts.keySet())
                .containsExactlyInAnyOrderElementsOf(in.truth().keySet());
        assertThat(counts.values()).allMatch(v -> v == 1);

        List<ReviewRequest> reviews = KafkaTestUtil.readAll(bs, c.topics().reviews(), ReviewRequest.class);
        Map<String, Long> reviewCounts =
                reviews.stream().collect(Collectors.groupingBy(ReviewRequest::getEventId, Collectors.counting()));
        assertThat(reviewCounts.values()).allMatch(v -> v == 1);
        assertThat(reviewCounts.keySet())
                .containsExactlyInAnyOrderElementsOf(decisions.stream()
                        .filter(d -> d.getRouting() != Routing.AUTO)
                        .map(Decision::getEventId)
                        .toList());
    }
}
