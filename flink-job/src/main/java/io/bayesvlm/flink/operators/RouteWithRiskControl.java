package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.model.RiskUpdate;
import io.bayesvlm.flink.model.ScoredImage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * routing.mode=risk: routes like {@link RouteByUncertainty}, with the threshold the latest calibration window
 * vouched for, broadcast to every subtask from the calibration topic. Until a window has vouched for one, and
 * whenever the latest could not, every item goes to review. The latest threshold is broadcast state, so a restart
 * resumes with it instead of starting over from "review everything".
 */
public class RouteWithRiskControl extends BroadcastProcessFunction<ScoredImage, RiskUpdate, Decision>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static final MapStateDescriptor<String, RiskUpdate> LATEST =
            new MapStateDescriptor<>("vouched-threshold", Types.STRING, TypeInformation.of(RiskUpdate.class));
    private static final String KEY = "latest";

    private final Router router;
    private transient long applied;

    public RouteWithRiskControl(String modelDir, JobConfig.Routing routing, int topK, boolean includeImage) {
        if (!routing.risk()) {
            throw new IllegalArgumentException("RouteWithRiskControl needs routing.mode=risk");
        }
        this.router = new Router(modelDir, routing, topK, includeImage);
    }

    @Override
    public void open(OpenContext context) throws Exception {
        router.open(getRuntimeContext());
        applied = Long.MIN_VALUE;
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
        RiskUpdate latest = ctx.getBroadcastState(LATEST).get(KEY);
        if (latest != null && latest.windowEnd != applied) {
            apply(latest);
        }
        router.route(s, out, r -> ctx.output(RouteByUncertainty.REVIEWS, r));
    }

    @Override
    public void processBroadcastElement(RiskUpdate u, Context ctx, Collector<Decision> out) throws Exception {
        if (!router.routing().score().jsonName().equals(u.score)) {
            return; // chosen for another routing score (an earlier configuration): says nothing about this one
        }
        RiskUpdate current = ctx.getBroadcastState(LATEST).get(KEY);
        if (current == null || u.windowEnd >= current.windowEnd) {
            ctx.getBroadcastState(LATEST).put(KEY, u);
            apply(u);
        }
    }

    private void apply(RiskUpdate u) {
        // the policy takes a confidence (higher = surer): −uncertainty of the score's value
        router.policy().vouch(Double.isNaN(u.threshold) ? Double.NaN : -router.routing().score().uncertainty(u.threshold));
        applied = u.windowEnd;
    }
}
