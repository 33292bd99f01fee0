package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.avro.UncertaintyScores;
import java.time.Instant;
import java.util.List;

/** Small Avro records for operator tests. */
public final class TestRecords {
    static final List<String> CLASSES = List.of("cat", "dog", "car");

    private TestRecords() {}

    public static Decision decision(String id, long eventTime, double... probs) {
        List<Double> p = java.util.Arrays.stream(probs).boxed().toList();
        return Decision.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setSource("test")
                .setModelName("m")
                .setModelVersion("1")
                .setClasses(CLASSES)
                .setPredictedClass("cat")
                .setProbs(p)
                .setMapProbs(p)
                .setLogitsMean(p)
                .setLogitsVar(p)
                .setUncertainty(new UncertaintyScores(0.5, 0.5, 0.1, 1.0, 0.1, 0.5))
                .setRouting(Routing.AUTO)
                .setRoutingScore("max_prob")
                .setRoutingValue(0.5)
                .setRoutingThreshold(0.8)
                .setProcessingLatencyMs(1)
                .build();
    }

    static final String LABELS_TOPIC = "labels-under-test";

    /** A label as the job receives it, read from partition 1 of {@link #LABELS_TOPIC} at {@link #labelOffset}. */
    static io.bayesvlm.flink.records.ReceivedLabel received(String id, String label) {
        return new io.bayesvlm.flink.records.ReceivedLabel(label(id, label), LABELS_TOPIC, 1, labelOffset(id));
    }

    static long labelOffset(String id) {
        return 1000L + Math.floorMod(id.hashCode(), 1000);
    }

    static LabelEvent label(String id, String label) {
        return LabelEvent.newBuilder()
                .setEventId(id)
                .setLabel(label)
                .setLabelSource(LabelSource.REVIEWER)
                .setLabelTime(Instant.ofEpochMilli(0))
                .build();
    }

    /** Risk-mode routing on max_prob at the given audit fraction, alpha and certification. */
    static io.bayesvlm.flink.JobConfig.RoutingOptions risk(
            io.bayesvlm.core.head.UncertaintyScore score,
            double auditFraction,
            double alpha,
            io.bayesvlm.flink.JobConfig.RoutingOptions.Certification certification) {
        return new io.bayesvlm.flink.JobConfig.RoutingOptions(
                score,
                io.bayesvlm.flink.JobConfig.RoutingOptions.Mode.RISK,
                0.8,
                0.1,
                1000,
                auditFraction,
                alpha,
                0.05,
                io.bayesvlm.core.risk.AuditDraw.random(),
                certification);
    }

    /** A CERTIFIED risk certificate of {@code model}/1 for max_prob at {@code threshold}, issued at {@code issuedAt}. */
    public static io.bayesvlm.avro.RiskCertificate certificate(
            String model, java.time.Instant issuedAt, double threshold, long sequence) {
        return io.bayesvlm.avro.RiskCertificate.newBuilder()
                .setModelName(model)
                .setModelVersion("1")
                .setScore("max_prob")
                .setAlpha(0.02)
                .setDelta(0.05)
                .setEpoch(0)
                .setState("CERTIFIED")
                .setThreshold(threshold)
                .setSince(java.time.Instant.EPOCH)
                .setTested(1000)
                .setErrors(0)
                .setMissing(0)
                .setLabelCompleteness(1.0)
                .setReason("start")
                .setIssuedAt(issuedAt)
                .setSequence(sequence)
                .build();
    }
}
