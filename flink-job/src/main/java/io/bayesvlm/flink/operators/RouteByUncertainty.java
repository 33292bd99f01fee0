package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CalibrationFeedback;
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
 * review requests on the {@link #REVIEWS} side output. With what the latest calibration windows fed back through
 * the calibration topic (broadcast to every subtask): in routing.mode=risk the threshold the latest window vouched
 * for (until one has, and whenever the latest could not, every item goes to review); with calibration.recalibrate
 * the latest temperatures, applied to every new decision (recalibrated probabilities and their version). Feedback
 * the configuration does not use is ignored, so the graph is the same in every routing mode (a savepoint taken in
 * one mode restores in another). Both are broadcast state: a restart resumes with them instead of starting over.
 */
public class RouteByUncertainty extends BroadcastProcessFunction<ScoredImage, CalibrationFeedback, Decision>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ReviewRequest> REVIEWS = new OutputTag<>("review-requests") {};

    public static final MapStateDescriptor<String, CalibrationFeedback> LATEST =
            new MapStateDescriptor<>("vouched-threshold", Types.STRING, TypeInformation.of(CalibrationFeedback.class));
    private static final String RISK = "risk";
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
        this.router = new Router(modelDir, routing, topK, inlineImageMaxBytes);
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
            if (risk != null) {
                applyRisk(risk);
            }
            CalibrationFeedback t = ctx.getBroadcastState(LATEST).get(RECALIBRATION);
            if (t != null && recalibrate) {
                router.temperatures(t.windowEnd, t.temperatureBayes, t.temperatureMap);
            }
            restoredApplied = true;
        }
        router.route(s, out, r -> ctx.output(REVIEWS, r));
    }

    @Override
    public void processBroadcastElement(CalibrationFeedback u, Context ctx, Collector<Decision> out) throws Exception {
        if (u.risk
                && router.routing().risk()
                && router.routing().score().jsonName().equals(u.score)
                && newer(ctx.getBroadcastState(LATEST).get(RISK), u)) {
            // (a threshold for another routing score, from an earlier configuration, says nothing about this one)
            ctx.getBroadcastState(LATEST).put(RISK, u);
            applyRisk(u);
        }
        if (u.recalibrated && recalibrate && newer(ctx.getBroadcastState(LATEST).get(RECALIBRATION), u)) {
            ctx.getBroadcastState(LATEST).put(RECALIBRATION, u);
            router.temperatures(u.windowEnd, u.temperatureBayes, u.temperatureMap);
        }
    }

    private static boolean newer(CalibrationFeedback current, CalibrationFeedback u) {
        return current == null || u.windowEnd >= current.windowEnd;
    }

    private void applyRisk(CalibrationFeedback u) {
        router.policy().vouch(u.threshold);
    }
}
