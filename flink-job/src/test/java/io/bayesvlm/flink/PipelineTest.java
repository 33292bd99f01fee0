package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.flink.memory.InMemory;
import io.bayesvlm.flink.memory.InMemory.CollectingSink;
import io.bayesvlm.flink.operators.CalibrationReports;
import io.bayesvlm.flink.operators.CalibrationReportsRiskTest;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.serde.registry.RegistryConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole graph of {@link ModerationJob#buildPipeline} (decide, drift, calibrate, dead letters) on in-memory
 * sources and sinks and a MiniCluster, with the built-in model: the unit tier's end-to-end check, in seconds. The
 * Kafka wiring around the same graph is what the {@code *ITCase}s add. (Feedback arriving while images flow is
 * ordered by nothing but timing; the routing operator's harness tests cover it deterministically.)
 */
class PipelineTest {

    static final long T0 = 1_700_000_000_000L;
    static final RecordCodec<ImageEvent> IMAGES = RecordCodec.of(ImageEvent.class, RegistryConfig.none());
    static final RecordCodec<LabelEvent> LABELS = RecordCodec.of(LabelEvent.class, RegistryConfig.none());

    record Outputs(
            List<Decision> decisions,
            List<ReviewRequest> reviews,
            List<CalibrationReport> calibration,
            List<DriftReport> drift,
            List<RiskCertificate> certificates,
            List<DeadLetter> deadLetters,
            List<io.bayesvlm.avro.FailureSelection> failureSelections) {}

    static JobConfig config(Map<String, String> extra) throws Exception {
        Map<String, String> m = ItConfig.options("127.0.0.1:9", "pipeline"); // no broker is ever contacted
        m.put("restart-strategy.type", "none"); // any failure fails the test at once
        m.putAll(extra);
        return JobConfig.from(Configuration.fromMap(m));
    }

    static RawRecord record(String topic, String key, byte[] value, long offset) {
        return new RawRecord(key.getBytes(StandardCharsets.UTF_8), value, topic, 0, offset, T0);
    }

    static Outputs run(JobConfig c, List<RawRecord> images, List<RawRecord> labels, List<RawRecord> feedback)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        CollectingSink<Decision> decisions = InMemory.sink();
        CollectingSink<ReviewRequest> reviews = InMemory.sink();
        CollectingSink<CalibrationReport> calibration = InMemory.sink();
        CollectingSink<DriftReport> drift = InMemory.sink();
        CollectingSink<RiskCertificate> certificates = InMemory.sink();
        CollectingSink<DeadLetter> dead = InMemory.sink();
        CollectingSink<io.bayesvlm.avro.FailureSelection> selections = InMemory.sink();
        ModerationJob.buildPipeline(
                env,
                new ModerationJob.Sources(
                        InMemory.source(images),
                        InMemory.source(labels),
                        InMemory.source(feedback),
                        InMemory.source(certificateOfAnotherModel(c))),
                new ModerationJob.Sinks(decisions, reviews, calibration, drift, certificates, dead, selections),
                c);
        env.execute("pipeline-test");
        return new Outputs(
                decisions.written(),
                reviews.written(),
                calibration.written(),
                drift.written(),
                certificates.written(),
                dead.written(),
                selections.written());
    }

    /**
     * What the certificates topic may hold from another model: a certificate the routing reads back and ignores. (An
     * in-memory source needs at least one record.)
     */
    static List<RawRecord> certificateOfAnotherModel(JobConfig c) {
        RiskCertificate other =
                io.bayesvlm.flink.operators.TestRecords.certificate("another-model", Instant.ofEpochMilli(T0), 0.0, 0);
        return List.of(record(
                c.topics().certificates(),
                "another-model/1",
                RecordCodec.of(RiskCertificate.class, RegistryConfig.none())
                        .encode(c.topics().certificates(), other),
                0));
    }

    /** n sample images, one second apart, as image-event records; the labels are the true classes. */
    static List<RawRecord> images(JobConfig c, List<SampleImages.Item> items) throws Exception {
        List<RawRecord> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String id = "e-" + i;
            out.add(record(
                    c.topics().images(),
                    id,
                    IMAGES.encode(
                            c.topics().images(),
                            TestImages.event(
                                    id,
                                    T0 + 1000L * i,
                                    "pipeline",
                                    Files.readAllBytes(items.get(i).file()))),
                    i));
        }
        return out;
    }

    /**
     * What the calibration topic holds outside risk mode and recalibration: a report with neither a threshold nor
     * temperatures, which the routing reads back and skips. (An in-memory source needs at least one record.)
     */
    static List<RawRecord> feedbackWithoutThresholdOrTemperatures(JobConfig c) {
        CalibrationReport report = CalibrationReports.build(CalibrationReportsRiskTest.window(50, 1), 10, 0, 1000);
        return List.of(record(
                c.topics().calibration(),
                "m/1",
                RecordCodec.of(CalibrationReport.class, RegistryConfig.none())
                        .encode(c.topics().calibration(), report),
                0));
    }

    static RawRecord label(JobConfig c, String eventId, String label, long offset) {
        return record(
                c.topics().labels(),
                eventId,
                LABELS.encode(
                        c.topics().labels(),
                        LabelEvent.newBuilder()
                                .setEventId(eventId)
                                .setLabel(label)
                                .setLabelSource(LabelSource.REVIEWER)
                                .setReviewerId("r")
                                .setLabelTime(Instant.ofEpochMilli(T0))
                                .build()),
                offset);
    }

    @Test
    void everyImageIsDecidedOnceAndItsLabelReachesTheCalibrationWindows() throws Exception {
        JobConfig c = config(Map.of());
        int n = 60;
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"))
                .subList(0, n);
        List<RawRecord> images = images(c, items);
        images.add(record(
                c.topics().images(),
                "corrupt",
                IMAGES.encode(
                        c.topics().images(),
                        TestImages.event(
                                "corrupt",
                                T0,
                                "pipeline",
                                java.util.Arrays.copyOf(
                                        Files.readAllBytes(items.get(0).file()), 40))),
                n)); // truncated
        images.add(record(c.topics().images(), "garbage", new byte[] {42, 42, 42}, n + 1));
        List<RawRecord> labels = new ArrayList<>();
        labels.add(label(c, "e-0", "no-such-class", 0)); // the one label for e-0
        for (int i = 1; i < n; i++) {
            labels.add(label(c, "e-" + i, items.get(i).label(), i));
        }

        Outputs out = run(c, images, labels, feedbackWithoutThresholdOrTemperatures(c));

        Map<String, Long> decided =
                out.decisions().stream().collect(Collectors.groupingBy(Decision::getEventId, Collectors.counting()));
        assertThat(decided)
                .hasSize(n)
                .allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1L));
        // review requests: exactly the decisions routed to people (uncertain ones and audits)
        assertThat(out.reviews())
                .extracting(ReviewRequest::getEventId)
                .containsExactlyInAnyOrderElementsOf(out.decisions().stream()
                        .filter(d -> d.getRouting() != Routing.AUTO)
                        .map(Decision::getEventId)
                        .toList());
        assertThat(out.decisions()).extracting(Decision::getRouting).contains(Routing.AUTO, Routing.REVIEW);

        Map<String, DeadLetter> dead = out.deadLetters().stream()
                .collect(Collectors.toMap(
                        d -> d.getEventId() == null
                                ? new String(d.getKey().array(), StandardCharsets.UTF_8)
                                : d.getEventId(),
                        Function.identity()));
        assertThat(dead).containsOnlyKeys("corrupt", "garbage", "e-0");
        assertThat(dead.get("corrupt").getErrorCode()).isEqualTo("CORRUPT_IMAGE");
        assertThat(dead.get("garbage").getErrorCode()).isEqualTo("UNDECODABLE_RECORD");
        assertThat(dead.get("garbage").getOffset()).isEqualTo(n + 1);
        assertThat(dead.get("e-0").getErrorCode()).isEqualTo("UNKNOWN_LABEL");

        // Each labelled pair lies in window-size / window-slide = 2 sliding windows; the end of input fires them all.
        long slides = c.calibration().windowSize().toMillis()
                / c.calibration().windowSlide().toMillis();
        assertThat(out.calibration().stream()
                        .mapToLong(CalibrationReport::getLabelled)
                        .sum())
                .isEqualTo(slides * (n - 1));
        assertThat(out.drift().stream().mapToLong(DriftReport::getDecisions).sum())
                .isEqualTo(n);
        assertThat(out.failureSelections()).as("failure.learn is off").isEmpty();
    }

    @Test
    void routingOnTheLearnedScoreUsesTheModelsFailurePredictorAndRecordsItsVersion(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        FailurePredictor predictor = LearnedScoreFixture.modelWithPredictor(dir, true);
        int n = 40;
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"))
                .subList(0, n);
        // each image's P(wrong), computed here through the head's single-item path
        Map<String, Double> expected = new java.util.HashMap<>();
        try (BayesVlmModel m = BayesVlmModel.load(dir, ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU))) {
            for (int i = 0; i < n; i++) {
                float[] tensor = m.loader().load(Files.readAllBytes(items.get(i).file()));
                float[] activation = m.activations(tensor, 1)[0];
                expected.put(
                        "e-" + i,
                        predictor.failureProbability(FailureInput.of(
                                m.head().embedImage(activation), m.head().predict(activation))));
            }
        }
        double threshold = expected.values().stream().sorted().toList().get(n / 2);
        JobConfig c = config(Map.of(
                "model.dir",
                dir.toString(),
                "routing.score",
                "learned",
                "routing.threshold",
                Double.toString(threshold),
                "routing.audit-fraction",
                "0"));

        Outputs out = run(
                c,
                images(c, items),
                List.of(label(c, "e-0", items.get(0).label(), 0)), // an in-memory source needs a record
                feedbackWithoutThresholdOrTemperatures(c));

        assertThat(out.deadLetters()).isEmpty();
        assertThat(out.decisions()).hasSize(n).allSatisfy(d -> {
            assertThat(d.getRoutingScore()).isEqualTo("learned");
            assertThat(d.getRoutingPredictor()).isEqualTo(predictor.version());
            assertThat(d.getRoutingValue())
                    .as(d.getEventId())
                    .isCloseTo(expected.get(d.getEventId()), org.assertj.core.data.Offset.offset(1e-4));
            // P(wrong) is an uncertainty: above the threshold goes to people
            assertThat(d.getRouting())
                    .as(d.getEventId())
                    .isEqualTo(d.getRoutingValue() > threshold ? Routing.REVIEW : Routing.AUTO);
        });
        assertThat(out.decisions()).extracting(Decision::getRouting).contains(Routing.AUTO, Routing.REVIEW);
        assertThat(out.reviews())
                .allSatisfy(r -> assertThat(r.getRoutingScore()).isEqualTo("learned"));
    }

    /**
     * failure.learn: every reviewed decision's label reaches the cross-fitting once (the router's observation met with
     * the joined label), each closed window of labels publishes one selection, the first with no candidate yet, the
     * later ones with the candidate trained on the windows before, and a predictor exactly when learned won.
     */
    @Test
    void withFailureLearningEveryClosedWindowOfReviewLabelsPublishesASelection() throws Exception {
        int n = 200;
        int window = 40;
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"))
                .subList(0, n);
        JobConfig c = config(Map.of(
                "failure.learn", "true",
                "failure.window-labels", Integer.toString(window),
                "failure.min-wrong", "2",
                // max_prob never reaches 1.01: everything goes to people and is labelled
                "routing.mode", "threshold",
                "routing.threshold", "1.01"));
        List<RawRecord> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels.add(label(c, "e-" + i, items.get(i).label(), i));
        }

        Outputs out = run(c, images(c, items), labels, feedbackWithoutThresholdOrTemperatures(c));

        assertThat(out.decisions())
                .hasSize(n)
                .allSatisfy(d -> assertThat(d.getRouting()).isEqualTo(Routing.REVIEW));
        List<io.bayesvlm.avro.FailureSelection> selections = out.failureSelections().stream()
                .sorted(java.util.Comparator.comparingLong(io.bayesvlm.avro.FailureSelection::getLabels))
                .toList();
        assertThat(selections)
                .extracting(io.bayesvlm.avro.FailureSelection::getLabels)
                .containsExactly(40L, 80L, 120L, 160L, 200L);
        double[][] text;
        try (BayesVlmModel m = BayesVlmModel.load(
                ItConfig.ROOT.resolve("models/fashion-clip"), ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU))) {
            text = m.head().unitClassEmbeddings();
        }
        List<String> fixed = java.util.Arrays.stream(io.bayesvlm.core.head.UncertaintyScore.values())
                .map(io.bayesvlm.core.head.UncertaintyScore::jsonName)
                .toList();
        for (io.bayesvlm.avro.FailureSelection f : selections) {
            String at = "selection after " + f.getLabels() + " labels";
            assertThat(f.getModelName()).isEqualTo("fashion-clip");
            assertThat(f.getAlpha()).isEqualTo(c.routing().maxAutoError());
            assertThat(f.getJudgedTo() - f.getJudgedFrom()).as(at).isEqualTo(window);
            assertThat(f.getHeldOutReviewRates().keySet()).as(at).containsAll(fixed);
            assertThat(f.getHeldOutReviewRates().values())
                    .as(at)
                    .allSatisfy(r -> assertThat(r).isBetween(0.0, 1.0));
            if (f.getLabels() == window) {
                // nothing was trained before the first window closed: only the fixed scores are compared
                assertThat(f.getCandidateVersion()).as(at).isNull();
                assertThat(f.getHeldOutReviewRates()).as(at).doesNotContainKey("learned");
            } else {
                assertThat(f.getCandidateVersion()).as(at).startsWith("sha256:");
                assertThat(f.getHeldOutReviewRates()).as(at).containsKey("learned");
            }
            if (f.getScore().equals("learned")) {
                byte[] bytes = new byte[f.getPredictor().remaining()];
                f.getPredictor().duplicate().get(bytes);
                FailurePredictor p = FailurePredictor.read(
                        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes)), text);
                assertThat(p.version()).as(at).isEqualTo(f.getCandidateVersion());
            } else {
                assertThat(f.getScore()).as(at).isIn(fixed);
                assertThat(f.getPredictor()).as(at).isNull();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sequence", "window"})
    void inRiskModeEverythingIsReviewedUntilAThresholdIsCertified(String certify) throws Exception {
        JobConfig c =
                config(Map.of("routing.mode", "risk", "routing.max-auto-error", "0.05", "routing.certify", certify));
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"))
                .subList(0, 20);

        List<RawRecord> labels = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            labels.add(label(c, "e-" + i, items.get(i).label(), i));
        }

        Outputs out = run(c, images(c, items), labels, feedbackWithoutThresholdOrTemperatures(c));

        assertThat(out.decisions()).hasSize(20).extracting(Decision::getRouting).containsOnly(Routing.REVIEW);
        assertThat(out.reviews()).hasSize(20);
        assertThat(out.deadLetters()).isEmpty();
        if (certify.equals("window")) {
            // The windows' labels produce reports with a risk section; in Kafka they would come back as feedback.
            assertThat(out.calibration())
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.getRisk()).isNotNull());
            assertThat(out.certificates()).isEmpty();
        } else {
            // The design sample reaches the certification, which is collecting its grid (50 items): no threshold yet.
            assertThat(out.calibration())
                    .allSatisfy(r -> assertThat(r.getRisk()).isNull());
            assertThat(out.certificates()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.getState()).isEqualTo("GRID");
                assertThat(r.getThreshold()).isNull();
                assertThat(r.getScore()).isEqualTo("max_prob");
                assertThat(r.getAlpha()).isEqualTo(0.05);
            });
        }
    }
}
