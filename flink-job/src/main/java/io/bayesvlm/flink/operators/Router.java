package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.avro.UncertaintyScores;
import io.bayesvlm.core.head.RoutingScore;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.ScoredImage;
import io.bayesvlm.serde.ImageClaimCheck;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.util.Collector;

/**
 * The routing step of {@link RouteByUncertainty}: a scored image becomes a
 * Decision with its routing outcome (every scored event gets one); uncertain items, and the audited sample of
 * confident ones, become review requests. The policy is {@link RoutingPolicy}; its recent-score history is
 * checkpointed operator state (union: every subtask restores all of it, and keeps the most recent window).
 */
final class Router implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String modelDir;
    private final JobConfig.RoutingOptions routing;
    private final int topK;
    /** Largest image inlined in a review request; -1: never (always a claim check). */
    private final long inlineImageMaxBytes;

    private transient RoutingPolicy policy;
    private transient ListState<Double> history;
    private transient List<String> classIds;
    private transient String modelName;
    private transient String modelVersion;
    private transient Counter reviewed;
    private transient Counter audited;
    private transient Counter decided;
    /** calibration.recalibrate: the latest temperatures and their version (the fit window's end); none: -1. */
    private transient long temperatureVersion;

    private transient double temperatureBayes;
    private transient double temperatureMap;

    Router(String modelDir, JobConfig.RoutingOptions routing, int topK, long inlineImageMaxBytes) {
        this.modelDir = modelDir;
        this.routing = routing;
        this.topK = topK;
        this.inlineImageMaxBytes = inlineImageMaxBytes;
    }

    void open(RuntimeContext context) throws Exception {
        temperatureVersion = -1; // (transient: an initializer would not run after deserialization)
        ModelSpec spec = ModelSpec.load(Path.of(modelDir));
        classIds = spec.classIds();
        modelName = spec.name();
        modelVersion = spec.version();
        var group = context.getMetricGroup();
        decided = group.counter("decisions");
        reviewed = group.counter("reviewRequested");
        audited = group.counter("auditRequested");
        group.gauge(
                "reviewRate", () -> decided.getCount() == 0 ? 0.0 : (double) reviewed.getCount() / decided.getCount());
    }

    void initializeState(FunctionInitializationContext context) throws Exception {
        // Union state: after a rescale every subtask restores the whole recent-score window (a split would leave each
        // new subtask with a fraction of it, below the minimum history, and fall back to the fixed threshold).
        history = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("routing-history", Double.class));
        policy = new RoutingPolicy(routing);
        policy.restore(history.get());
    }

    void snapshotState() throws Exception {
        history.update(policy.snapshot());
    }

    void temperatures(long version, double bayes, double map) {
        temperatureVersion = version;
        temperatureBayes = bayes;
        temperatureMap = map;
    }

    /** The model key (name/version) of the model this router decides with. */
    String modelKey() {
        return ModelSpec.key(modelName, modelVersion);
    }

    RoutingPolicy policy() {
        return policy;
    }

    JobConfig.RoutingOptions routing() {
        return routing;
    }

    /**
     * Routes one image: its decision to {@code out}; for one that goes to people, a review request and (when the
     * embedding was sent along, failure.learn) what the failure predictor will learn from once its label is back.
     */
    void route(
            ScoredImage s,
            Collector<Decision> out,
            Consumer<ReviewRequest> reviews,
            Consumer<FailureObservation> observations) {
        RoutingScore score = routing.score();
        double value = s.valueOf(score);
        RoutingPolicy.Outcome outcome = policy.route(s.eventId, value);
        decided.inc();
        out.collect(decision(s, outcome, value));
        if (outcome.routing() != Routing.AUTO) {
            boolean uncertain = outcome.routing() == Routing.REVIEW;
            (uncertain ? reviewed : audited).inc();
            reviews.accept(review(s, uncertain, uncertain ? score.uncertainty(value) : 0));
            if (s.imageMean != null) {
                observations.accept(FailureObservation.of(
                        s.eventId,
                        modelKey(),
                        io.bayesvlm.core.failure.FailureInput.of(
                                s.imageMean, s.predicted, s.logitsMean, s.logitsVar, s.uncertainty)));
            }
        }
    }

    Decision decision(ScoredImage s, RoutingPolicy.Outcome outcome, double value) {
        return Decision.newBuilder()
                .setEventId(s.eventId)
                .setEventTime(Instant.ofEpochMilli(s.eventTime))
                .setSource(s.source)
                .setModelName(modelName)
                .setModelVersion(modelVersion)
                .setClasses(classIds)
                .setPredictedClass(classIds.get(s.predicted))
                .setProbs(list(s.probs))
                .setMapProbs(list(s.mapProbs))
                .setLogitsMean(list(s.logitsMean))
                .setLogitsVar(list(s.logitsVar))
                .setUncertainty(UncertaintyScores.newBuilder()
                        .setMaxProb(s.uncertainty[UncertaintyScore.MAX_PROB.ordinal()])
                        .setEntropy(s.uncertainty[UncertaintyScore.ENTROPY.ordinal()])
                        .setMutualInfo(s.uncertainty[UncertaintyScore.MUTUAL_INFO.ordinal()])
                        .setTopLogitStd(s.uncertainty[UncertaintyScore.TOP_LOGIT_STD.ordinal()])
                        .setMargin(s.uncertainty[UncertaintyScore.MARGIN.ordinal()])
                        .setDoctor(s.uncertainty[UncertaintyScore.DOCTOR.ordinal()])
                        .build())
                .setRouting(outcome.routing())
                .setRoutingScore(routing.score().jsonName())
                .setRoutingValue(value)
                .setRoutingPredictor(routing.score() == RoutingScore.LEARNED ? s.failurePredictor : null)
                .setRoutingThreshold(outcome.threshold())
                .setEventTimeOutOfRange(s.eventTimeOutOfRange)
                .setProcessingLatencyMs(Math.max(0, System.currentTimeMillis() - s.readAtMillis))
                // routed for review for sure; otherwise labelled only if the audit draw picks it
                .setLabelPropensity(outcome.routing() == Routing.REVIEW ? 1.0 : routing.auditFraction())
                .setRecalibratedProbs(temperatureVersion < 0 ? null : list(recalibrate(s.probs, temperatureBayes)))
                .setRecalibratedMapProbs(temperatureVersion < 0 ? null : list(recalibrate(s.mapProbs, temperatureMap)))
                .setCalibrationVersion(temperatureVersion < 0 ? null : temperatureVersion)
                .build();
    }

    ReviewRequest review(ScoredImage s, boolean uncertain, double priority) {
        List<ClassScore> top = new ArrayList<>();
        IntStream.range(0, s.probs.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> -s.probs[c]))
                .limit(topK)
                .forEach(c -> top.add(new ClassScore(classIds.get(c), s.probs[c], Math.sqrt(s.logitsVar[c]))));
        boolean inline = s.image.length <= inlineImageMaxBytes;
        return ReviewRequest.newBuilder()
                .setEventId(s.eventId)
                .setEventTime(Instant.ofEpochMilli(s.eventTime))
                .setReason(uncertain ? ReviewReason.UNCERTAIN : ReviewReason.AUDIT)
                .setPriority(priority)
                .setTopK(top)
                .setImage(inline ? ByteBuffer.wrap(s.image) : null)
                .setImageRef(inline ? null : claimCheck(s))
                .setModelName(modelName)
                .setModelVersion(modelVersion)
                .setClasses(classIds)
                .setUncertainty(uncertaintyByName(s.uncertainty))
                .setRoutingScore(routing.score().jsonName())
                .build();
    }

    /** Where the review service finds the image: the image event's own coordinates (or the bare id without them). */
    private static String claimCheck(ScoredImage s) {
        if (s.origin == null || s.origin.topic == null || s.origin.offset < 0) {
            return s.eventId;
        }
        return ImageClaimCheck.of(s.origin.topic, s.origin.partition, s.origin.offset, s.eventId, s.image)
                .toUri();
    }

    private static java.util.Map<String, Double> uncertaintyByName(double[] scores) {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        for (UncertaintyScore u : UncertaintyScore.values()) {
            m.put(u.jsonName(), scores[u.ordinal()]);
        }
        return m;
    }

    /** softmax(ln p / T): the temperature applied to the logits these probabilities are the softmax of. */
    private static double[] recalibrate(double[] p, double temperature) {
        return io.bayesvlm.core.metrics.TemperatureScaling.apply(
                io.bayesvlm.core.metrics.TemperatureScaling.logitsOf(p), temperature);
    }

    private static List<Double> list(double[] v) {
        return Arrays.stream(v).boxed().toList();
    }
}
