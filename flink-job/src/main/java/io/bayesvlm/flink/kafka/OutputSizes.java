package io.bayesvlm.flink.kafka;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.CalibrationStats;
import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.DriftStats;
import io.bayesvlm.avro.PopulationCalibration;
import io.bayesvlm.avro.Recalibration;
import io.bayesvlm.avro.ReliabilityBin;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.RiskControl;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.avro.UncertaintyScores;
import io.bayesvlm.avro.WeightedStats;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.JobOptions;
import io.bayesvlm.flink.operators.BoundDeadLetters;
import io.bayesvlm.flink.operators.DecodeImage;
import io.bayesvlm.serde.AvroCodec;
import io.bayesvlm.serde.ImageClaimCheck;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The largest record each output topic can receive under a configuration and a model, found by encoding a worst
 * case of each (every optional field set, ids and messages at their limits in 3-byte UTF-8 characters, every class,
 * images and dead-letter bytes at their limits), plus the registry header and Kafka's per-record overhead. The job
 * refuses to start when any could exceed the producers' max.request.size: a record that is too large fails the
 * exactly-once sink and, replayed after the restart, fails it again.
 */
public final class OutputSizes {

    /** Confluent wire-format header (magic byte and schema id). */
    static final int REGISTRY_HEADER = 5;
    /** Kafka's record-batch and record headers, generously (the producer checks the batch's upper bound). */
    static final int KAFKA_OVERHEAD = 256;

    private OutputSizes() {}

    /** One output's worst case. */
    public record Size(String output, long bytes, String optionToLower) {}

    /** Worst-case sizes of every output. */
    public static List<Size> worstCases(JobConfig c, ModelSpec spec) {
        List<String> classes = spec.classIds();
        String longestClass =
                classes.stream().max(Comparator.comparingInt(s -> utf8(s))).orElse("");
        int decisionClasses = c.decisionsTopK() > 0 ? Math.min(c.decisionsTopK(), classes.size()) : classes.size();
        List<String> decisionClassIds = new ArrayList<>(Collections.nCopies(decisionClasses, longestClass));
        String id = worstString(DecodeImage.MAX_ID_CHARS);
        String scoreName = "top_logit_std";
        List<Size> sizes = new ArrayList<>();

        List<Double> k = Collections.nCopies(decisionClasses, 0.5);
        Decision d = Decision.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.now())
                .setSource(id)
                .setModelName(spec.name())
                .setModelVersion(spec.version())
                .setClasses(decisionClassIds)
                .setPredictedClass(longestClass)
                .setProbs(k)
                .setMapProbs(k)
                .setLogitsMean(k)
                .setLogitsVar(k)
                .setUncertainty(new UncertaintyScores(0.5, 0.5, 0.5, 0.5, 0.5, 0.5))
                .setRouting(Routing.AUDIT)
                .setRoutingScore(scoreName)
                .setRoutingValue(0.5)
                .setRoutingThreshold(0.5)
                .setProcessingLatencyMs(Long.MAX_VALUE)
                .setLabelPropensity(0.5)
                .setRecalibratedProbs(k)
                .setRecalibratedMapProbs(k)
                .setNumClasses(Integer.MAX_VALUE)
                .setCalibrationVersion(Long.MAX_VALUE)
                .setEventTimeOutOfRange(true)
                .setRoutingPredictor("sha256:0123456789abcdef")
                .build();
        sizes.add(size(
                "decisions",
                Decision.class,
                d,
                id,
                c.decisionsTopK() > 0
                        ? JobOptions.DECISIONS_TOP_K.key()
                        : JobOptions.DECISIONS_TOP_K.key() + " (set one)"));

        long inline = c.reviewIncludeImage()
                ? Math.min(c.outputs().inlineImageMaxBytes(), c.limits().maxBytes())
                : 0;
        String ref = ImageClaimCheck.of(c.topics().images(), Integer.MAX_VALUE, Long.MAX_VALUE, id, new byte[0])
                .toUri();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (UncertaintyScore u : UncertaintyScore.values()) {
            scores.put(u.jsonName(), 0.5);
        }
        int topK = Math.min(c.reviewTopK(), classes.size());
        ReviewRequest r = ReviewRequest.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.now())
                .setReason(ReviewReason.UNCERTAIN)
                .setPriority(0.5)
                .setTopK(new ArrayList<>(Collections.nCopies(topK, new ClassScore(longestClass, 0.5, 0.5))))
                .setImage(ByteBuffer.wrap(new byte[(int) Math.min(inline, Integer.MAX_VALUE - 16)]))
                .setImageRef(ref)
                .setModelName(spec.name())
                .setModelVersion(spec.version())
                .setClasses(new ArrayList<>(Collections.nCopies(classes.size(), longestClass)))
                .setUncertainty(scores)
                .setRoutingScore(scoreName)
                .build();
        sizes.add(size("review requests", ReviewRequest.class, r, id, JobOptions.REVIEW_INLINE_IMAGE_MAX.key()));

        int dl = c.outputs().deadLetterMaxValueBytes();
        String longestTopic = c.topics().all().stream()
                .max(Comparator.comparingInt(OutputSizes::utf8))
                .orElse("");
        DeadLetter letter = DeadLetter.newBuilder()
                .setKey(ByteBuffer.wrap(new byte[dl]))
                .setValue(ByteBuffer.wrap(new byte[dl]))
                .setTopic(longestTopic)
                .setPartition(Integer.MAX_VALUE)
                .setOffset(Long.MAX_VALUE)
                .setEventId(worstString(BoundDeadLetters.MAX_ID_CHARS))
                .setErrorCode(worstString(64))
                .setErrorMessage(worstString(BoundDeadLetters.MAX_MESSAGE_CHARS + 3))
                .setTime(Instant.now())
                .setTruncated(true)
                .setValueSize(Long.MAX_VALUE)
                .build();
        sizes.add(size(
                "dead letters",
                DeadLetter.class,
                letter,
                worstString(BoundDeadLetters.MAX_ID_CHARS),
                JobOptions.DEAD_LETTER_MAX_VALUE.key()));

        String modelKey = spec.key();
        sizes.add(size(
                "calibration reports",
                CalibrationReport.class,
                calibration(spec, c.calibration().bins()),
                modelKey,
                JobOptions.BINS.key()));
        DriftStats stats = new DriftStats(Long.MAX_VALUE, 0.5, 0.5, 0.5, 0.5);
        DriftReport drift = DriftReport.newBuilder()
                .setWindowStart(Instant.now())
                .setWindowEnd(Instant.now())
                .setModelName(spec.name())
                .setModelVersion(spec.version())
                .setDecisions(Long.MAX_VALUE)
                .setWindow(stats)
                .setReference(stats)
                .setReferenceWindows(Integer.MAX_VALUE)
                .setZConfidence(0.5)
                .setZTopLogitStd(0.5)
                .setZMutualInfo(0.5)
                .setZReviewShare(0.5)
                .setWarning(true)
                .setReason(worstString(1024))
                .build();
        sizes.add(size("drift reports", DriftReport.class, drift, modelKey, "(none)"));
        if (c.failure().learn()) {
            long weights = predictorBytes(spec);
            sizes.add(size(
                    "failure selections",
                    io.bayesvlm.avro.FailureSelection.class,
                    failureSelection(spec, weights),
                    modelKey,
                    JobOptions.FAILURE_LEARN.key() + " (off)"));
            if (c.failure().auto()) {
                sizes.add(size(
                        "risk certificates",
                        io.bayesvlm.avro.RiskCertificate.class,
                        learnedCertificate(spec, weights),
                        modelKey,
                        JobOptions.ROUTING_SCORE.key() + " (a fixed score)"));
            }
        }
        return sizes;
    }

    /** The learned predictor's weights in their compact form: they grow with the classes and the embedding width. */
    private static long predictorBytes(ModelSpec spec) {
        int dim;
        try {
            dim = io.bayesvlm.core.BayesVlmModel.loadHead(spec, io.bayesvlm.core.ScoringOptions.DEFAULTS)
                    .unitClassEmbeddings()[0]
                    .length;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return io.bayesvlm.core.failure.FailurePredictor.compactBytes(
                spec.numClasses(), dim, io.bayesvlm.core.failure.FailureTraining.Options.DEFAULTS);
    }

    /** routing.score=auto: a certificate on the learned score carries its predictor. */
    private static io.bayesvlm.avro.RiskCertificate learnedCertificate(ModelSpec spec, long bytes) {
        return io.bayesvlm.avro.RiskCertificate.newBuilder()
                .setModelName(spec.name())
                .setModelVersion(spec.version())
                .setScore("learned")
                .setAlpha(0.5)
                .setDelta(0.5)
                .setEpoch(Long.MAX_VALUE)
                .setState("CERTIFIED")
                .setThreshold(0.5)
                .setSince(Instant.now())
                .setTested(Long.MAX_VALUE)
                .setErrors(Long.MAX_VALUE)
                .setMissing(Long.MAX_VALUE)
                .setLabelCompleteness(0.5)
                .setReason(worstString(512))
                .setIssuedAt(Instant.now())
                .setSequence(Long.MAX_VALUE)
                .setPredictor("sha256:0123456789abcdef")
                .setPredictorWeights(ByteBuffer.wrap(new byte[(int) Math.min(bytes, Integer.MAX_VALUE - 16)]))
                .build();
    }

    /** A selection with the learned predictor in it. */
    private static io.bayesvlm.avro.FailureSelection failureSelection(ModelSpec spec, long bytes) {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("learned", 0.5);
        for (UncertaintyScore u : UncertaintyScore.values()) {
            rates.put(u.jsonName(), 0.5);
        }
        return io.bayesvlm.avro.FailureSelection.newBuilder()
                .setModelName(spec.name())
                .setModelVersion(spec.version())
                .setIssuedAt(Instant.now())
                .setLabels(Long.MAX_VALUE)
                .setAlpha(0.5)
                .setScore("top_logit_std")
                .setCandidateVersion("sha256:0123456789abcdef")
                .setJudgedFrom(Long.MAX_VALUE)
                .setJudgedTo(Long.MAX_VALUE)
                .setHeldOutReviewRates(rates)
                .setPredictor(ByteBuffer.wrap(new byte[(int) Math.min(bytes, Integer.MAX_VALUE - 16)]))
                .build();
    }

    /**
     * Refuses a configuration under which some output could exceed kafka.max-request-size, naming both the option
     * that sets the output's size and that limit.
     */
    public static void check(JobConfig c, ModelSpec spec) {
        long max = c.outputs().maxRequestSize();
        for (Size s : worstCases(c, spec)) {
            if (s.bytes() > max) {
                throw new IllegalArgumentException(s.output() + " could reach " + s.bytes() + " bytes, over "
                        + JobOptions.MAX_REQUEST_SIZE.key() + " (" + max + "): lower " + s.optionToLower()
                        + " or raise "
                        + JobOptions.MAX_REQUEST_SIZE.key() + " (and the topic's max.message.bytes)");
            }
        }
    }

    private static CalibrationReport calibration(ModelSpec spec, int bins) {
        List<ReliabilityBin> b =
                new ArrayList<>(Collections.nCopies(bins, new ReliabilityBin(0.5, 0.5, Long.MAX_VALUE, 0.5, 0.5)));
        CalibrationStats stats = new CalibrationStats(Long.MAX_VALUE, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, b);
        WeightedStats w = new WeightedStats(0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, b);
        return CalibrationReport.newBuilder()
                .setWindowStart(Instant.now())
                .setWindowEnd(Instant.now())
                .setModelName(spec.name())
                .setModelVersion(spec.version())
                .setDecided(Long.MAX_VALUE)
                .setReviewed(Long.MAX_VALUE)
                .setLabelled(Long.MAX_VALUE)
                .setAudited(Long.MAX_VALUE)
                .setReviewRate(0.5)
                .setMap(stats)
                .setBayes(stats)
                .setAuditEceMap(0.5)
                .setAuditEceBayes(0.5)
                .setPopulation(new PopulationCalibration(Long.MAX_VALUE, 0.5, 0.5, w, w))
                .setRisk(new RiskControl(
                        "top_logit_std", 0.5, 0.5, 0.5, 0.5, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE))
                .setRecalibration(new Recalibration(
                        Long.MAX_VALUE, 0.5, 0.5, Long.MAX_VALUE, Long.MAX_VALUE, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5))
                .setAlert(true)
                .setWindowsOverThreshold(Integer.MAX_VALUE)
                .build();
    }

    private static <T extends SpecificRecordBase> Size size(
            String output, Class<T> type, T record, String key, String option) {
        long value = new AvroCodec<>(type).encode(record).length;
        return new Size(output, value + REGISTRY_HEADER + utf8(key) + KAFKA_OVERHEAD, option);
    }

    /** n characters of 3 bytes each in UTF-8 (the most a Java char takes). */
    private static String worstString(int n) {
        return "\u20ac".repeat(n);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
