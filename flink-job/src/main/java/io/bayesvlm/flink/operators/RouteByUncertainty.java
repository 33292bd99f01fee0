package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CalibrationFeedback;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.ScoredImage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Routes each scored image by its uncertainty ({@link Router}, {@link RoutingPolicy}): a Decision for every image,
 * review requests on the {@link #REVIEWS} side output. With what the job fed back to itself through Kafka (broadcast
 * to every subtask): in routing.mode=risk the threshold of the latest risk certificate (routing.certify=sequence,
 * the certificates topic) or the one the latest calibration window vouched for (routing.certify=window); until one
 * is, and whenever it is withdrawn or the latest window could not vouch, every item goes to review; with calibration.recalibrate
 * the latest temperatures, applied to every new decision (recalibrated probabilities and their version). Feedback
 * the configuration does not use is ignored, so the graph is the same in every routing mode (a savepoint taken in
 * one mode restores in another). Both are broadcast state: a restart resumes with them instead of starting over.
 */
public class RouteByUncertainty extends BroadcastProcessFunction<ScoredImage, CalibrationFeedback, Decision>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ReviewRequest> REVIEWS = new OutputTag<>("review-requests") {};
    /** failure.learn: what the failure predictor reads of each decision that goes to people. */
    public static final OutputTag<FailureObservation> OBSERVATIONS = new OutputTag<>("failure-observations") {};

    public static final MapStateDescriptor<String, CalibrationFeedback> LATEST =
            new MapStateDescriptor<>("vouched-threshold", Types.STRING, TypeInformation.of(CalibrationFeedback.class));
    private static final String RISK = "risk";
    private static final String CERTIFICATE = "certificate";
    private static final String RECALIBRATION = "recalibration";

    private final Router router;
    private final boolean recalibrate;
    /** Whether the broadcast state restored from a checkpoint has been applied (new feedback is applied on arrival). */
    private transient boolean restoredApplied;

    public RouteByUncertainty(
            String modelDir,
            JobConfig.RoutingOptions routing,
            boolean recalibrate,
            int topK,
            long inlineImageMaxBytes) {
        this(modelDir, routing, recalibrate, topK, inlineImageMaxBytes, false);
    }

    /** @param auto routing.score=auto: route on the score (and predictor) of the latest certificate */
    public RouteByUncertainty(
            String modelDir,
            JobConfig.RoutingOptions routing,
            boolean recalibrate,
            int topK,
            long inlineImageMaxBytes,
            boolean auto) {
        this.router = new Router(modelDir, routing, topK, inlineImageMaxBytes, auto);
        this.recalibrate = recalibrate;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        router.open(getRuntimeContext());
        restoredApplied = false;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        router.initializeState(context);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        router.snapshotState();
    }

    @Override
    public void processElement(ScoredImage s, ReadOnlyContext ctx, Collector<Decision> out) throws Exception {
        if (!restoredApplied) {
            // processBroadcastElement is not called for restored state: apply it once, before the first item
            CalibrationFeedback risk = ctx.getBroadcastState(LATEST).get(RISK);
            if (risk != null && router.routing().certifyWindow()) {
                applyRisk(risk);
            }
            CalibrationFeedback certificate = ctx.getBroadcastState(LATEST).get(CERTIFICATE);
            if (certificate != null && router.routing().certifySequence()) {
                applyRisk(certificate);
            }
            CalibrationFeedback t = ctx.getBroadcastState(LATEST).get(RECALIBRATION);
            if (t != null && recalibrate) {
                router.temperatures(t.windowEnd, t.temperatureBayes, t.temperatureMap);
            }
            restoredApplied = true;
        }
        router.route(s, out, r -> ctx.output(REVIEWS, r), o -> ctx.output(OBSERVATIONS, o));
    }

    @Override
    public void processBroadcastElement(CalibrationFeedback u, Context ctx, Collector<Decision> out) throws Exception {
        // (a threshold for another routing score or model, from an earlier configuration, says nothing about this one)
        // (with routing.score=auto every score is this job's: the certifier chooses it)
        boolean forThis = router.auto() || router.routing().score().jsonName().equals(u.score);
        if (u.certificate) {
            if (router.routing().certifySequence()
                    && forThis
                    && router.modelKey().equals(u.modelKey)
                    && newerCertificate(ctx.getBroadcastState(LATEST).get(CERTIFICATE), u)) {
                ctx.getBroadcastState(LATEST).put(CERTIFICATE, u);
                applyRisk(u);
            }
            return;
        }
        if (u.risk
                && router.routing().certifyWindow()
                && forThis
                && newer(ctx.getBroadcastState(LATEST).get(RISK), u)) {
            ctx.getBroadcastState(LATEST).put(RISK, u);
            applyRisk(u);
        }
        if (u.recalibrated && recalibrate && newer(ctx.getBroadcastState(LATEST).get(RECALIBRATION), u)) {
            ctx.getBroadcastState(LATEST).put(RECALIBRATION, u);
            router.temperatures(u.windowEnd, u.temperatureBayes, u.temperatureMap);
        }
    }

    /** Certificates in the order they were issued (and written, within one millisecond). */
    private static boolean newerCertificate(CalibrationFeedback current, CalibrationFeedback u) {
        return current == null
                || u.windowEnd > current.windowEnd
                || (u.windowEnd == current.windowEnd && u.sequence >= current.sequence);
    }

    private static boolean newer(CalibrationFeedback current, CalibrationFeedback u) {
        return current == null || u.windowEnd >= current.windowEnd;
    }

    private void applyRisk(CalibrationFeedback u) {
        if (router.auto() && u.certificate) {
            router.certificate(u.score, u.predictor, u.predictorWeights, u.threshold);
        } else {
            router.policy().vouch(u.threshold);
        }
    }
}
