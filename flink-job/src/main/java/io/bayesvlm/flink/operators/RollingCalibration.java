package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.flink.records.LabelledDecision;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * One CalibrationReport per sliding event-time window of labelled decisions (keyed by model), MAP and BayesVLM
 * side by side. The window keeps its items, and the report is computed from them with the core library, so the
 * emitted ECE equals an offline recomputation from the same decisions and labels.
 */
public class RollingCalibration extends ProcessWindowFunction<LabelledDecision, CalibrationReport, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private final int bins;
    private final CalibrationReports.RiskSpec risk;
    private final boolean recalibrate;

    public RollingCalibration(int bins) {
        this(bins, null, false);
    }

    /**
     * With {@code risk} (routing.mode=risk), each report also carries the threshold its labels vouch for; with
     * {@code recalibrate}, the temperatures fitted on them and held-out figures of earlier ones.
     */
    public RollingCalibration(int bins, CalibrationReports.RiskSpec risk, boolean recalibrate) {
        this.bins = bins;
        this.risk = risk;
        this.recalibrate = recalibrate;
    }

    @Override
    public void process(String key, Context ctx, Iterable<LabelledDecision> items, Collector<CalibrationReport> out) {
        out.collect(CalibrationReports.build(
                items, bins, ctx.window().getStart(), ctx.window().getEnd(), risk, recalibrate));
    }
}
