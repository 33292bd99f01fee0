package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.DriftStats;
import io.bayesvlm.core.metrics.DriftBand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The label-free drift warning (keyed by model, one call per tumbling window of decisions): the first
 * {@code referenceWindows} windows with at least {@code minDecisions} decisions are pooled into the reference;
 * every later one is compared with it statistic by statistic ({@link DriftBand}) and warns when any |z| exceeds the
 * threshold. The reference is keyed state, so it survives restarts and upgrades; a new model version starts its own.
 */
public class DriftWarning extends ProcessWindowFunction<double[], DriftReport, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private static final String[] NAMES = {"confidence", "top_logit_std", "mutual_info", "review_share"};

    private final int referenceWindows;
    private final double zThreshold;
    private final int minDecisions;

    private transient ValueState<double[]> reference;
    private transient ValueState<Integer> pooled;
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
        reference = ctx.globalState().getState(new ValueStateDescriptor<>("drift-reference", double[].class));
        pooled = ctx.globalState().getState(new ValueStateDescriptor<>("drift-reference-windows", Integer.class));
        double[] w = sums.iterator().next();
        double[] ref = reference.value();
        int windows = pooled.value() == null ? 0 : pooled.value();
        long n = (long) w[0];
        boolean full = windows >= referenceWindows;
        Double[] z = new Double[DriftMoments.STATISTICS];
        List<String> moved = new ArrayList<>();
        if (full && n >= minDecisions) {
            for (int k = 0; k < DriftMoments.STATISTICS; k++) {
                double zk = DriftBand.z(moments(w, k), moments(ref, k));
                z[k] = Double.isNaN(zk) ? null : zk;
                if (Math.abs(zk) > zThreshold) {
                    moved.add(String.format("%s %s (z = %.1f)", NAMES[k], zk > 0 ? "up" : "down", zk));
                }
            }
        } else if (!full && n >= minDecisions) {
            double[] sum = ref == null ? new double[w.length] : ref;
            for (int i = 0; i < w.length; i++) {
                sum[i] += w[i];
            }
            reference.update(sum);
            pooled.update(windows + 1);
        }
        warning = moved.isEmpty() ? 0 : 1;
        int slash = key.lastIndexOf('/');
        out.collect(DriftReport.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(ctx.window().getStart()))
                .setWindowEnd(Instant.ofEpochMilli(ctx.window().getEnd()))
                .setModelName(key.substring(0, slash))
                .setModelVersion(key.substring(slash + 1))
                .setDecisions(n)
                .setWindow(stats(w))
                .setReference(full ? stats(ref) : null)
                .setReferenceWindows(pooled.value() == null ? 0 : pooled.value())
                .setZConfidence(z[0])
                .setZTopLogitStd(z[1])
                .setZMutualInfo(z[2])
                .setZReviewShare(z[3])
                .setWarning(!moved.isEmpty())
                .setReason(String.join(", ", moved))
                .build());
    }

    static DriftBand.Moments moments(double[] acc, int k) {
        return new DriftBand.Moments((long) acc[0], acc[1 + 2 * k], acc[2 + 2 * k]);
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
