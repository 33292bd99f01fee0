package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.avro.UncertaintyScores;
import io.bayesvlm.core.failure.FailurePredictor;
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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Router.class);

    private final String modelDir;
    private final JobConfig.RoutingOptions routing;
    private final int topK;
    /** Largest image inlined in a review request; -1: never (always a claim check). */
    private final long inlineImageMaxBytes;
    /** routing.score=auto: the score (and predictor) routed on is the latest certificate's. */
    private final boolean auto;

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

    /** The score routed on: routing.score, or (auto) the latest certificate's, with its predictor when learned. */
    private transient RoutingScore score;

    private transient FailurePredictor predictor;
    /** auto: the model's unit class embeddings, which a certificate's predictor is read against. */
    private transient double[][] classText;

    Router(String modelDir, JobConfig.RoutingOptions routing, int topK, long inlineImageMaxBytes, boolean auto) {
        this.modelDir = modelDir;
        this.routing = routing;
        this.topK = topK;
        this.inlineImageMaxBytes = inlineImageMaxBytes;
        this.auto = auto;
    }

    void open(RuntimeContext context) throws Exception {
        temperatureVersion = -1; // (transient: an initializer would not run after deserialization)
        ModelSpec spec = ModelSpec.load(Path.of(modelDir));
        classIds = spec.classIds();
        modelName = spec.name();
        modelVersion = spec.version();
        score = routing.score();
        predictor = null;
        if (auto) {
            classText = io.bayesvlm.core.BayesVlmModel.loadHead(spec, io.bayesvlm.core.ScoringOptions.DEFAULTS)
                    .unitClassEmbeddings();
        }
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

    boolean auto() {
        return auto;
    }

    /**
     * routing.score=auto: from now on route on a certificate's score at its threshold (NaN: review everything); on
     * the learned score with the predictor the certificate carries. A predictor that cannot be read against this
     * model, or whose weights are not the version named, leaves every item to people until the next certificate.
     */
    void certificate(String scoreName, String version, byte[] weights, double threshold) {
        RoutingScore next;
        try {
            next = RoutingScore.fromName(scoreName);
        } catch (IllegalArgumentException e) {
            LOG.warn("certificate on an unknown score '{}': everything is reviewed", scoreName);
            policy.vouch(Double.NaN);
            return;
        }
        if (next == RoutingScore.LEARNED
                && (predictor == null || !predictor.version().equals(version))) {
            predictor = readPredictor(version, weights);
        }
        if (next != score) {
            policy = new RoutingPolicy(routing.withScore(next));
        }
        score = next;
        policy.vouch(threshold);
    }

    private FailurePredictor readPredictor(String version, byte[] weights) {
        if (weights == null) {
            LOG.warn("certificate on learned predictor {} without its weights: everything is reviewed", version);
            return null;
        }
        try {
            FailurePredictor p = FailurePredictor.read(
                    new java.io.DataInputStream(new java.io.ByteArrayInputStream(weights)), classText);
            if (!p.version().equals(version)) {
                LOG.warn("certificate names predictor {} but carries {}: everything is reviewed", version, p.version());
                return null;
            }
            return p;
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("certificate's predictor {} cannot be read for this model: everything is reviewed", version, e);
            return null;
        }
    }

    /** This image's value of the score routed on (auto, learned: P(wrong) under the certificate's predictor). */
    private double valueOf(ScoredImage s) {
        if (!auto || score != RoutingScore.LEARNED) {
            return s.valueOf(score);
        }
        if (predictor == null || s.imageMean == null) {
            return Double.NaN; // routed to people (RoutingPolicy)
        }
        return predictor.failureProbability(io.bayesvlm.core.failure.FailureInput.of(
                s.imageMean, s.predicted, s.logitsMean, s.logitsVar, s.uncertainty));
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
        double value = valueOf(s);
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
                        s.eventTime,
                        outcome.routing().name(),
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
                .setRoutingScore(score.jsonName())
                .setRoutingValue(value)
                .setRoutingPredictor(
                        score != RoutingScore.LEARNED
                                ? null
                                : auto ? (predictor == null ? null : predictor.version()) : s.failurePredictor)
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
                .setRoutingScore(score.jsonName())
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
