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

    private final CalibrationReports.ReportSpec spec;

    public RollingCalibration(int bins) {
        this(CalibrationReports.ReportSpec.bins(bins));
    }

    /**
     * With a risk spec (routing.mode=risk), each report also carries the threshold its labels vouch for; with
     * recalibration, the temperatures fitted on them and held-out figures of earlier ones.
     */
    public RollingCalibration(CalibrationReports.ReportSpec spec) {
        this.spec = spec;
    }

    @Override
    public void process(String key, Context ctx, Iterable<LabelledDecision> items, Collector<CalibrationReport> out) {
        out.collect(CalibrationReports.build(
                latestPerEvent(items), ctx.window().getStart(), ctx.window().getEnd(), spec));
    }

    /**
     * One pair per event: where a reviewer corrected their label (JoinLabels joins the correction too), the later
     * label. A correction that comes after its windows fired is a late pair (dead-lettered as such).
     */
    static java.util.List<LabelledDecision> latestPerEvent(Iterable<LabelledDecision> items) {
        java.util.Map<String, LabelledDecision> latest = new java.util.LinkedHashMap<>();
        for (LabelledDecision d : items) {
            latest.merge(d.eventId, d, (a, b) -> b.labelTime > a.labelTime ? b : a);
        }
        return new java.util.ArrayList<>(latest.values());
    }
}
