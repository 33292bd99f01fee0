package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.flink.records.CalibrationFeedback;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.RecordCodec;
import org.apache.flink.util.Collector;

/**
 * The feedback of the calibration windows (vouched-for thresholds, fitted temperatures), read back from the job's
 * own calibration topic (Kafka closes the
 * loop from labels to routing; a dataflow cycle would not survive a restart). Reports with neither are skipped;
 * undecodable records go to the dead letters.
 */
public class ParseFeedback extends DecodeOrDeadLetter<CalibrationReport, CalibrationFeedback> {
    private static final long serialVersionUID = 1L;

    public ParseFeedback(RecordCodec<CalibrationReport> codec) {
        super(codec);
    }

    @Override
    protected void accept(
            RawRecord record, CalibrationReport r, long readAt, Context ctx, Collector<CalibrationFeedback> out) {
        if (r.getRisk() == null && r.getRecalibration() == null) {
            return;
        }
        CalibrationFeedback f = new CalibrationFeedback();
        f.windowEnd = r.getWindowEnd().toEpochMilli();
        if (r.getRisk() != null) {
            f.risk = true;
            f.score = r.getRisk().getScore();
            f.threshold = r.getRisk().getThreshold() == null
                    ? Double.NaN
                    : r.getRisk().getThreshold();
        }
        if (r.getRecalibration() != null) {
            f.recalibrated = true;
            f.temperatureBayes = r.getRecalibration().getTemperatureBayes();
            f.temperatureMap = r.getRecalibration().getTemperatureMap();
        }
        out.collect(f);
    }
}
