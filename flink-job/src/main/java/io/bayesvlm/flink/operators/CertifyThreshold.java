package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.head.RoutingScore;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.core.risk.CertifiedAutomation;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CertificationArms;
import io.bayesvlm.flink.records.CertificationInput;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.FailureSelection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certified threshold of routing.mode=risk with routing.certify=sequence, per model (keyed by the model key): the
 * core {@link CertifiedAutomation} fed the design sample's decisions and labels and the label-free warnings
 * ({@link DesignSample}), on processing time (a label's wait is wall-clock time; a timer each second uses the items
 * whose wait is over). Writes a RiskCertificate whenever the certification changes, whenever a label is counted as
 * missing, and every {@value #PROGRESS_EVERY} tested labels; the job reads them back (topics.certificates) and routes by the latest.
 *
 * <p>The certification is keyed state with its own serializer, so the heap state backend keeps it as an object
 * (nothing is serialized per record) and a checkpoint holds it exactly. A certification restored under other
 * settings (alpha, delta, the label wait, the detector's level) starts over: its certificate was for other terms.
 * After a restart, items whose wait ran out while the job was down count as missing: conservative.
 *
 * <p>routing.score=auto: the design sample arrives as the router observed it, and the cross-fitting's selections
 * too. The selected score, when it is not the one in force, is certified alongside on the same design labels (a
 * second certification: the design sample is uniform under any score), on items decided after every label its
 * selection had seen; once a threshold on it is certified and would decide at least as much automatically, the
 * certificates switch to it, the learned predictor's weights included.
 */
public class CertifyThreshold extends KeyedProcessFunction<String, CertificationInput, RiskCertificate> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CertifyThreshold.class);

    static final int PROGRESS_EVERY = 100;

    private final JobConfig.RoutingOptions routing;
    /** routing.score=auto, and the model whose class embeddings a candidate predictor is read against. */
    private final boolean auto;

    private final String modelDir;
    private transient ValueState<CertifiedAutomation> state;
    /** auto: the candidate's certification, run on the same design labels; and which scores both are on. */
    private transient ValueState<CertifiedAutomation> shadowState;

    private transient ValueState<CertificationArms> armsState;
    private transient double[][] classText;
    /** auto: predictors read from the arms' weights, by version (a few at most). */
    private transient Map<String, FailurePredictor> predictors;
    /**
     * [certificates written, tested labels at the last one, missing labels at the last one, issued_at of the last
     * one]. Checkpoints from before the fourth entry restore with three.
     */
    private transient ValueState<long[]> written;

    public CertifyThreshold(JobConfig.RoutingOptions routing) {
        this(routing, null, false);
    }

    /**
     * @param auto routing.score=auto: certify a candidate score alongside the one in force and switch to it once its
     *     certified threshold decides at least as much automatically
     * @param modelDir the job's model (auto: a learned candidate is read against its class embeddings)
     */
    public CertifyThreshold(JobConfig.RoutingOptions routing, String modelDir, boolean auto) {
        this.routing = routing;
        this.modelDir = modelDir;
        this.auto = auto;
    }

    @Override
    public void open(OpenContext context) throws IOException {
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("certification", CertificationSerializer.INSTANCE));
        written = getRuntimeContext().getState(new ValueStateDescriptor<>("certificates-written", long[].class));
        shadowState = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("candidate-certification", CertificationSerializer.INSTANCE));
        armsState =
                getRuntimeContext().getState(new ValueStateDescriptor<>("certification-arms", CertificationArms.class));
        if (auto) {
            ModelSpec spec = ModelSpec.load(Path.of(modelDir));
            classText = BayesVlmModel.loadHead(spec, ScoringOptions.DEFAULTS).unitClassEmbeddings();
            predictors = new HashMap<>();
        }
    }

    private long labelWait() {
        return routing.certification().labelWait().toMillis();
    }

    private CertifiedAutomation certification() throws IOException {
        CertifiedAutomation c = state.value();
        double alpha = routing.maxAutoError();
        double delta = routing.riskDelta();
        double arl = routing.certification().changeDetectorArl();
        if (c == null || !c.hasSettings(alpha, delta, arl, labelWait())) {
            c = new CertifiedAutomation(alpha, delta, arl, labelWait());
            written.update(null);
        }
        return c;
    }

    @Override
    public void processElement(CertificationInput in, Context ctx, Collector<RiskCertificate> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        CertifiedAutomation c = certification();
        boolean first = written.value() == null;
        CertificationArms arms = auto ? arms() : null;
        CertifiedAutomation shadow = auto ? shadow(first) : null;
        boolean withdrawn = false;
        switch (in.kind) {
            case CertificationInput.DECIDED -> c.decided(in.eventId, in.eventTime, in.confidence, now);
            case CertificationInput.LABELLED -> {
                c.labelled(in.eventId, in.wrong, now);
                if (shadow != null) {
                    shadow.labelled(in.eventId, in.wrong, now);
                }
            }
            case CertificationInput.WARNING -> {
                withdrawn = c.withdraw(in.eventTime, in.reason);
                if (shadow != null) {
                    shadow.withdraw(in.eventTime, in.reason);
                }
            }
            case CertificationInput.OBSERVED -> {
                if (arms != null) {
                    double confidence = confidence(arms.score, arms.predictor, arms.weights, in.observation);
                    c.decided(in.eventId, in.eventTime, confidence, now);
                    double candidate = Double.NaN;
                    if (shadow != null && in.eventTime > arms.shadowFrom) {
                        candidate =
                                confidence(arms.shadowScore, arms.shadowPredictor, arms.shadowWeights, in.observation);
                        shadow.decided(in.eventId, in.eventTime, candidate, now);
                    }
                    arms.remember(confidence, candidate);
                }
            }
            case CertificationInput.SELECTION -> {
                if (arms != null) {
                    shadow = select(arms, shadow, in.selection);
                }
            }
            default -> throw new IllegalArgumentException("unknown certification input " + in.kind);
        }
        List<CertifiedAutomation.Status> changes = c.advance(now);
        if (shadow != null) {
            shadow.advance(now);
            if (promote(arms, c, shadow)) {
                c = shadow;
                shadow = null;
                withdrawn = true; // a certificate on the new score at once
            }
        }
        if (first || withdrawn || !changes.isEmpty() || progressed(c)) {
            // the first one supersedes whatever an earlier run of the job left on the topic
            emit(ctx.getCurrentKey(), c.status(), arms, now, out);
        }
        save(c, shadow, arms);
        if (c.pendingItems() > 0 || (shadow != null && shadow.pendingItems() > 0)) {
            ctx.timerService().registerProcessingTimeTimer((now / 1000 + 1) * 1000);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RiskCertificate> out) throws Exception {
        CertifiedAutomation c = certification();
        CertificationArms arms = auto ? arms() : null;
        CertifiedAutomation shadow = auto ? shadow(false) : null;
        boolean changed = !c.advance(timestamp).isEmpty();
        if (shadow != null) {
            shadow.advance(timestamp);
            if (promote(arms, c, shadow)) {
                c = shadow;
                shadow = null;
                changed = true;
            }
        }
        if (changed || progressed(c)) {
            emit(ctx.getCurrentKey(), c.status(), arms, timestamp, out);
        }
        save(c, shadow, arms);
        if (c.pendingItems() > 0 || (shadow != null && shadow.pendingItems() > 0)) {
            ctx.timerService().registerProcessingTimeTimer(timestamp + 1000);
        }
    }

    private void save(CertifiedAutomation c, CertifiedAutomation shadow, CertificationArms arms) throws IOException {
        state.update(c);
        if (auto) {
            shadowState.update(shadow);
            armsState.update(arms);
        }
    }

    /** auto: which scores are certified; the start score until a candidate was switched to. */
    private CertificationArms arms() throws IOException {
        CertificationArms a = armsState.value();
        return a != null ? a : CertificationArms.start(routing.score().jsonName());
    }

    /** auto: the candidate's certification (none after the main one started over under new settings). */
    private CertifiedAutomation shadow(boolean startedOver) throws IOException {
        CertifiedAutomation s = shadowState.value();
        double arl = routing.certification().changeDetectorArl();
        return startedOver || s == null || !s.hasSettings(routing.maxAutoError(), routing.riskDelta(), arl, labelWait())
                ? null
                : s;
    }

    /**
     * A selection of the cross-fitting: the score it selected becomes the candidate certified alongside, unless it is
     * the score in force (then no candidate is needed) or already the candidate (a newer learned version would throw
     * away the candidate's progress: it is kept, and tried again if it loses).
     */
    private CertifiedAutomation select(CertificationArms arms, CertifiedAutomation shadow, FailureSelection sel) {
        boolean learned = sel.score.equals(RoutingScore.LEARNED.jsonName());
        if (learned && sel.predictor == null) {
            return shadow; // (the cross-fitting sends the weights whenever learned wins)
        }
        if (sel.score.equals(arms.score) && (!learned || sel.candidateVersion.equals(arms.predictor))) {
            arms.shadowScore = null;
            arms.shadowPredictor = null;
            arms.shadowWeights = null;
            return null;
        }
        if (shadow != null && sel.score.equals(arms.shadowScore)) {
            return shadow;
        }
        arms.shadowScore = sel.score;
        arms.shadowPredictor = learned ? sel.candidateVersion : null;
        arms.shadowWeights = learned ? sel.predictor : null;
        arms.shadowFrom = sel.labelledUpTo;
        arms.shadowReason = String.format(
                java.util.Locale.ROOT,
                "selected %s%s after %d design labels (held-out review rate at alpha %.3f against %.3f for %s)",
                sel.score,
                learned ? " " + sel.candidateVersion : "",
                sel.labels,
                sel.reviewRate(sel.score),
                sel.reviewRate(arms.score),
                arms.score);
        arms.forgetRecent();
        LOG.info("certification of {} for {} starts alongside {}", sel.score, sel.modelKey, arms.score);
        return new CertifiedAutomation(
                routing.maxAutoError(),
                routing.riskDelta(),
                routing.certification().changeDetectorArl(),
                labelWait());
    }

    /**
     * Whether to switch to the candidate: once a threshold on it is certified, and it decides at least as much
     * automatically as the one in force (on the latest design items, at least {@value #MIN_COMPARED} of them), or
     * none is in force.
     */
    private boolean promote(CertificationArms arms, CertifiedAutomation c, CertifiedAutomation shadow) {
        if (shadow.status().state() != CertifiedAutomation.State.CERTIFIED) {
            return false;
        }
        boolean inForce = c.status().state() == CertifiedAutomation.State.CERTIFIED;
        double[] shares = arms.automatedShares(c.threshold(), shadow.threshold());
        if (inForce && (shares[0] < MIN_COMPARED || shares[2] < shares[1])) {
            return false;
        }
        LOG.info(
                "switching routing from {} to {} ({} of {} recent design items automatic against {})",
                arms.score,
                arms.shadowScore,
                shares[2],
                (long) shares[0],
                shares[1]);
        arms.score = arms.shadowScore;
        arms.predictor = arms.shadowPredictor;
        arms.weights = arms.shadowWeights;
        arms.reason = arms.shadowReason;
        arms.shadowScore = null;
        arms.shadowPredictor = null;
        arms.shadowWeights = null;
        arms.shadowReason = null;
        arms.forgetRecent();
        return true;
    }

    static final int MIN_COMPARED = 50;

    /** A design item's confidence under a score (higher = surer); NaN when a learned one cannot be computed. */
    private double confidence(String scoreName, String version, byte[] weights, FailureObservation o) {
        RoutingScore score = RoutingScore.fromName(scoreName);
        if (score != RoutingScore.LEARNED) {
            return score.confidence(o.scores[((UncertaintyScore) score).ordinal()]);
        }
        FailurePredictor p = predictors.get(version);
        if (p == null) {
            try {
                p = FailurePredictor.read(
                        new java.io.DataInputStream(new java.io.ByteArrayInputStream(weights)), classText);
            } catch (IOException | RuntimeException e) {
                LOG.warn("the candidate predictor {} cannot be read: its items are not certified", version, e);
                return Double.NaN;
            }
            if (predictors.size() >= 4) {
                predictors.clear();
            }
            predictors.put(version, p);
        }
        return score.confidence(p.failureProbability(o.input()));
    }

    private boolean progressed(CertifiedAutomation c) throws IOException {
        long[] w = written.value();
        return w != null
                && (c.status().tested() >= w[1] + PROGRESS_EVERY || c.status().imputed() > w[2]);
    }

    private void emit(
            String key, CertifiedAutomation.Status s, CertificationArms arms, long now, Collector<RiskCertificate> out)
            throws IOException {
        RoutingScore score = arms == null ? routing.score() : RoutingScore.fromName(arms.score);
        long[] w = written.value() == null ? new long[4] : written.value();
        // issued_at strictly increases per model whatever the host clocks do: after a restart on a TaskManager whose
        // clock is behind, a withdrawal must still be the latest certificate, not rank below the last one before it
        long issuedAt = Math.max(now, w.length > 3 ? w[3] + 1 : now);
        int slash = key.lastIndexOf('/');
        out.collect(RiskCertificate.newBuilder()
                .setModelName(key.substring(0, slash))
                .setModelVersion(key.substring(slash + 1))
                .setScore(score.jsonName())
                .setAlpha(routing.maxAutoError())
                .setDelta(routing.riskDelta())
                .setEpoch(s.epoch())
                .setState(s.state().name())
                .setThreshold(Double.isFinite(s.threshold()) ? score.valueAtConfidence(s.threshold()) : null)
                .setSince(Instant.ofEpochMilli(Math.max(0, s.since())))
                .setTested(s.tested())
                .setErrors(s.errors())
                .setMissing(s.imputed())
                .setLabelCompleteness(s.completeness())
                .setReason(arms != null && arms.reason != null && s.epoch() == 0 ? arms.reason : s.reason())
                .setPredictor(arms == null ? null : arms.predictor)
                .setPredictorWeights(arms == null || arms.weights == null ? null : ByteBuffer.wrap(arms.weights))
                .setIssuedAt(Instant.ofEpochMilli(issuedAt))
                .setSequence(w[0])
                .build());
        written.update(new long[] {w[0] + 1, s.tested(), s.imputed(), issuedAt});
    }

    /** Keyed state of one certification: its own compact format ({@link CertifiedAutomation#write}). */
    public static final class CertificationSerializer extends TypeSerializerSingleton<CertifiedAutomation> {
        private static final long serialVersionUID = 1L;
        public static final CertificationSerializer INSTANCE = new CertificationSerializer();

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public CertifiedAutomation createInstance() {
            return null;
        }

        @Override
        public CertifiedAutomation copy(CertifiedAutomation from) {
            return from == null ? null : from.copy();
        }

        @Override
        public CertifiedAutomation copy(CertifiedAutomation from, CertifiedAutomation reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(CertifiedAutomation c, DataOutputView target) throws IOException {
            c.write(target);
        }

        @Override
        public CertifiedAutomation deserialize(DataInputView source) throws IOException {
            return CertifiedAutomation.read(source);
        }

        @Override
        public CertifiedAutomation deserialize(CertifiedAutomation reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            serialize(deserialize(source), target);
        }

        @Override
        public TypeSerializerSnapshot<CertifiedAutomation> snapshotConfiguration() {
            return new Snapshot();
        }

        /** The serializer has no configuration: the format carries its own version. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<CertifiedAutomation> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
