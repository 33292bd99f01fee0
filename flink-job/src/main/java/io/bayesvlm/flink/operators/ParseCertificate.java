package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.flink.records.CalibrationFeedback;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.RecordCodec;
import org.apache.flink.util.Collector;

/**
 * The risk certificates (routing.certify=sequence), read back from the job's own certificates topic: Kafka closes
 * the loop from labels to routing, as for the calibration feedback. Undecodable records go to the dead letters.
 */
public class ParseCertificate extends DecodeOrDeadLetter<RiskCertificate, CalibrationFeedback> {
    private static final long serialVersionUID = 1L;

    public ParseCertificate(RecordCodec<RiskCertificate> codec) {
        super(codec);
    }

    @Override
    protected void accept(
            RawRecord record, RiskCertificate c, long readAt, Context ctx, Collector<CalibrationFeedback> out) {
        out.collect(CalibrationFeedback.certificate(
                io.bayesvlm.core.model.ModelSpec.key(c.getModelName(), c.getModelVersion()),
                c.getIssuedAt().toEpochMilli(),
                c.getSequence(),
                c.getScore(),
                c.getThreshold() == null ? Double.NaN : c.getThreshold()));
    }
}
