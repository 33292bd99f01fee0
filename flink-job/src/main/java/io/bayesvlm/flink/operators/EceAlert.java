package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.CalibrationReport;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Marks a report as an alert when BayesVLM's ECE has exceeded the threshold in this and the previous k − 1
 * windows of the same model (windows of one key arrive in order of their end), each with at least
 * {@code minLabels} labels: a window with fewer is no evidence either way, so it ends a streak and never alerts (an
 * ECE from one label is 0 or 1 minus a confidence). Exposes the latest ECE as a metric.
 */
public class EceAlert extends KeyedProcessFunction<String, CalibrationReport, CalibrationReport> {
    private static final long serialVersionUID = 1L;

    private final double threshold;
    private final int windows;
    private final int minLabels;
    private transient ValueState<Integer> over;
    private transient volatile double latestEce;
    private transient volatile double latestMapEce;

    public EceAlert(double threshold, int windows, int minLabels) {
        this.threshold = threshold;
        this.windows = windows;
        this.minLabels = minLabels;
    }

    @Override
    public void open(OpenContext context) {
        over = getRuntimeContext().getState(new ValueStateDescriptor<>("windows-over-threshold", Integer.class));
        latestEce = Double.NaN;
        latestMapEce = Double.NaN;
        getRuntimeContext().getMetricGroup().gauge("latestEce", () -> latestEce);
        getRuntimeContext().getMetricGroup().gauge("latestMapEce", () -> latestMapEce);
    }

    @Override
    public void processElement(CalibrationReport r, Context ctx, Collector<CalibrationReport> out) throws Exception {
        double ece = r.getBayes().getEce();
        boolean evidence = r.getLabelled() >= minLabels;
        int count = evidence && ece > threshold ? (over.value() == null ? 0 : over.value()) + 1 : 0;
        over.update(count);
        r.setWindowsOverThreshold(count);
        r.setAlert(count >= windows);
        latestEce = ece;
        latestMapEce = r.getMap().getEce();
        out.collect(r);
    }
}
