package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.flink.kafka.RecordCodec;
import io.bayesvlm.flink.kafka.UnknownSchemaException;
import io.bayesvlm.flink.model.RawRecord;
import io.bayesvlm.flink.model.RiskUpdate;
import java.io.IOException;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * routing.mode=risk: the vouched-for thresholds, read back from the job's own calibration topic (Kafka closes the
 * loop from labels to routing; a dataflow cycle would not survive a restart). Reports without a risk section
 * (another mode wrote them) are skipped; undecodable records go to the dead letters.
 */
public class ParseRiskUpdate extends ProcessFunction<RawRecord, RiskUpdate> {
    private static final long serialVersionUID = 1L;

    private final RecordCodec<CalibrationReport> codec;

    public ParseRiskUpdate(RecordCodec<CalibrationReport> codec) {
        this.codec = codec;
    }

    @Override
    public void close() {
        codec.close();
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<RiskUpdate> out) {
        try {
            CalibrationReport r = codec.decode(record.topic, record.value);
            if (r.getRisk() != null) {
                Double t = r.getRisk().getThreshold();
                out.collect(new RiskUpdate(r.getWindowEnd().toEpochMilli(), r.getRisk().getScore(), t == null ? Double.NaN : t));
            }
        } catch (UnknownSchemaException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNKNOWN_SCHEMA_ID, e.getMessage()));
        } catch (IOException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNDECODABLE_RECORD, e.getMessage()));
        }
    }
}
