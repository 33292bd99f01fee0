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
 * {@code referenceWindows} windows with at least {@code minDecisions} decisions form the reference; every later one
 * is compared with it statistic by statistic with the random-effects z of {@link DriftBand} (the spread between the
 * reference windows is part of the band, so ordinary window-to-window variation raises no warning) and warns when
 * the |z| of the confidence, the logit std or the mutual information exceeds the threshold. The review share is
 * reported but never warns: it moves whenever the routing policy does (the review-everything start of risk mode,
 * a new vouched threshold), which is not drift of the inputs. The reference windows are keyed state, so they
 * survive restarts and upgrades; a new model version starts its own.
 */
public class DriftWarning extends ProcessWindowFunction<double[], DriftReport, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private static final String[] NAMES = {"confidence", "top_logit_std", "mutual_info", "review_share"};

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
        int size = w.length;
        double[] ref = reference.value() == null ? new double[0] : reference.value();
        int windows = ref.length / size;
        long n = (long) w[0];
        boolean full = windows >= referenceWindows;
        Double[] z = new Double[DriftMoments.STATISTICS];
        List<String> moved = new ArrayList<>();
        if (full && n >= minDecisions) {
            for (int k = 0; k < DriftMoments.STATISTICS; k++) {
                List<DriftBand.Moments> refWindows = new ArrayList<>(windows);
                for (int i = 0; i < windows; i++) {
                    refWindows.add(moments(java.util.Arrays.copyOfRange(ref, i * size, (i + 1) * size), k));
                }
                double zk = DriftBand.z(moments(w, k), refWindows);
                z[k] = Double.isNaN(zk) ? null : zk;
                if (k != REVIEW_SHARE && Math.abs(zk) > zThreshold) {
                    moved.add(String.format("%s %s (z = %.1f)", NAMES[k], zk > 0 ? "up" : "down", zk));
                }
            }
        } else if (!full && n >= minDecisions) {
            double[] grown = java.util.Arrays.copyOf(ref, ref.length + size);
            System.arraycopy(w, 0, grown, ref.length, size);
            reference.update(grown);
            ref = grown;
            windows++;
        }
        double[] pooledRef = new double[size];
        for (int i = 0; i < windows; i++) {
            for (int j = 0; j < size; j++) {
                pooledRef[j] += ref[i * size + j];
            }
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
                .setReference(full ? stats(pooledRef) : null)
                .setReferenceWindows(windows)
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
