package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.DriftStats;
import io.bayesvlm.core.metrics.DriftBand;
import io.bayesvlm.core.metrics.DriftReference;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The label-free drift warning (keyed by model, one call per tumbling window of decisions), with the core
 * {@link DriftReference}: the first {@code referenceWindows} windows with at least {@code minDecisions} decisions
 * form the reference; every later one is compared with it statistic by statistic with the random-effects z of
 * {@link DriftBand} (the spread between the reference windows is part of the band, so ordinary window-to-window
 * variation raises no warning) and warns when the |z| of the confidence, the logit std or the mutual information
 * exceeds the threshold. A warning withdraws the risk certificate, and the windows after it form a new reference
 * (the distribution the next certificate is earned on). The review share is reported but never warns: it moves
 * whenever the routing policy does (the review-everything start of risk mode, a new certified threshold), which is
 * not drift of the inputs. The reference is keyed state, so it survives restarts and upgrades; a new model version
 * starts its own.
 */
public class DriftWarning extends ProcessWindowFunction<double[], DriftReport, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private static final String[] NAMES = {"confidence", "top_logit_std", "mutual_info", "review_share"};
    private static final boolean[] WATCHED = {true, true, true, false};

    private final int referenceWindows;
    private final double zThreshold;
    private final int minDecisions;

    /** The statistic that describes the routing, not the inputs: reported, never a reason to warn. */
    static final int REVIEW_SHARE = 3;

    /** The reference windows' accumulators, one after another. */
    private transient ValueState<double[]> reference;

    private transient volatile int warning;

    public DriftWarning(int referenceWindows, double zThreshold, int minDecisions) {
        this.referenceWindows = referenceWindows;
        this.zThreshold = zThreshold;
        this.minDecisions = minDecisions;
    }

    @Override
    public void open(OpenContext context) {
        getRuntimeContext().getMetricGroup().gauge("driftWarning", () -> warning);
    }

    @Override
    public void process(String key, Context ctx, Iterable<double[]> sums, Collector<DriftReport> out) throws Exception {
        reference = ctx.globalState()
                .getState(new ValueStateDescriptor<>("drift-reference-window-moments", double[].class));
        double[] w = sums.iterator().next();
        DriftReference check = new DriftReference(referenceWindows, zThreshold, minDecisions, NAMES, WATCHED);
        if (reference.value() != null) {
            check.restore(reference.value());
        }
        double[] pooledRef = check.pooled();
        DriftReference.Check c = check.check(w);
        reference.update(check.state());
        warning = c.warning() ? 1 : 0;
        int slash = key.lastIndexOf('/');
        out.collect(DriftReport.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(ctx.window().getStart()))
                .setWindowEnd(Instant.ofEpochMilli(ctx.window().getEnd()))
                .setModelName(key.substring(0, slash))
                .setModelVersion(key.substring(slash + 1))
                .setDecisions((long) w[0])
                .setWindow(stats(w))
                .setReference(c.referenceComplete() ? stats(pooledRef) : null)
                .setReferenceWindows(c.referenceWindows())
                .setZConfidence(orNull(c.z()[0]))
                .setZTopLogitStd(orNull(c.z()[1]))
                .setZMutualInfo(orNull(c.z()[2]))
                .setZReviewShare(orNull(c.z()[REVIEW_SHARE]))
                .setWarning(c.warning())
                .setReason(c.reason())
                .build());
    }

    private static Double orNull(double z) {
        return Double.isNaN(z) ? null : z;
    }

    static DriftBand.Moments moments(double[] acc, int k) {
        return DriftReference.moments(acc, k);
    }

    static DriftStats stats(double[] acc) {
        return DriftStats.newBuilder()
                .setDecisions((long) acc[0])
                .setMeanConfidence(moments(acc, 0).mean())
                .setMeanTopLogitStd(moments(acc, 1).mean())
                .setMeanMutualInfo(moments(acc, 2).mean())
                .setReviewShare(moments(acc, 3).mean())
                .build();
    }
}
