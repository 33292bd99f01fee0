package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.OutputTag;

/**
 * Labelled decisions that reached the calibration windows after those had closed (the label came later than
 * calibration.max-label-delay): counted ({@code lateLabels}) and written to the dead letters with the label's
 * coordinates (code LATE_LABEL), instead of vanishing in the window operator. The reports' label counts leave them
 * out; the dead letters say which and how many.
 */
public class LateLabels extends RichMapFunction<LabelledDecision, DeadLetter> {
    private static final long serialVersionUID = 1L;

    /** The calibration windows' late data. */
    public static final OutputTag<LabelledDecision> TAG = new OutputTag<>("late-labelled-decisions") {};

    private final long maxLabelDelayMillis;
    private transient Counter late;

    public LateLabels(long maxLabelDelayMillis) {
        this.maxLabelDelayMillis = maxLabelDelayMillis;
    }

    @Override
    public void open(OpenContext context) {
        late = getRuntimeContext().getMetricGroup().counter("lateLabels");
    }

    @Override
    public DeadLetter map(LabelledDecision d) {
        late.inc();
        RawRecord where = new RawRecord(
                d.eventId == null ? null : d.eventId.getBytes(StandardCharsets.UTF_8),
                null,
                d.labelTopic,
                d.labelPartition,
                d.labelOffset,
                0);
        return DeadLetterOutput.of(
                where,
                d.eventId,
                ErrorCode.LATE_LABEL,
                "the label of the decision at " + Instant.ofEpochMilli(d.eventTime) + " came after its calibration"
                        + " windows had closed (calibration.max-label-delay " + maxLabelDelayMillis + " ms):"
                        + " not counted in any report");
    }
}
