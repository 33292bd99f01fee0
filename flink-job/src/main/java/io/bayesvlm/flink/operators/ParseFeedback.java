package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.serde.UnknownSchemaException;
import io.bayesvlm.flink.model.RawRecord;
import io.bayesvlm.flink.model.CalibrationFeedback;
import java.io.IOException;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The feedback of the calibration windows (vouched-for thresholds, fitted temperatures), read back from the job's
 * own calibration topic (Kafka closes the
 * loop from labels to routing; a dataflow cycle would not survive a restart). Reports with neither are skipped;
 * undecodable records go to the dead letters.
 */
public class ParseFeedback extends ProcessFunction<RawRecord, CalibrationFeedback> {
    private static final long serialVersionUID = 1L;

    private final RecordCodec<CalibrationReport> codec;

    public ParseFeedback(RecordCodec<CalibrationReport> codec) {
        this.codec = codec;
    }

    @Override
    public void close() {
        codec.close();
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<CalibrationFeedback> out) {
        try {
            CalibrationReport r = codec.decode(record.topic, record.value);
            if (r.getRisk() == null && r.getRecalibration() == null) {
                return;
            }
            CalibrationFeedback f = new CalibrationFeedback();
            f.windowEnd = r.getWindowEnd().toEpochMilli();
            if (r.getRisk() != null) {
                f.risk = true;
                f.score = r.getRisk().getScore();
                f.threshold = r.getRisk().getThreshold() == null ? Double.NaN : r.getRisk().getThreshold();
            }
            if (r.getRecalibration() != null) {
                f.recalibrated = true;
                f.temperatureBayes = r.getRecalibration().getTemperatureBayes();
                f.temperatureMap = r.getRecalibration().getTemperatureMap();
            }
            out.collect(f);
        } catch (UnknownSchemaException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNKNOWN_SCHEMA_ID, e.getMessage()));
        } catch (IOException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNDECODABLE_RECORD, e.getMessage()));
        }
    }
}
