package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.ScoredImage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Routes each scored image by its uncertainty with a fixed threshold or a target review rate ({@link Router},
 * {@link RoutingPolicy}): a Decision for every image, review requests on the side output.
 */
public class RouteByUncertainty extends ProcessFunction<ScoredImage, Decision> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ReviewRequest> REVIEWS = new OutputTag<>("review-requests") {};

    private final Router router;

    public RouteByUncertainty(String modelDir, JobConfig.RoutingOptions routing, int topK, long inlineImageMaxBytes) {
        this.router = new Router(modelDir, routing, topK, inlineImageMaxBytes);
    }

    @Override
    public void open(OpenContext context) throws Exception {
        router.open(getRuntimeContext());
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
    public void processElement(ScoredImage s, Context ctx, Collector<Decision> out) {
        router.route(s, out, r -> ctx.output(REVIEWS, r));
    }
}
