package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.flink.records.CalibrationFeedback;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.RecordCodec;
import org.apache.flink.util.Collector;

/**
 * The risk certificates (routing.certify=sequence), read back from the job's own certificates topic: Kafka closes
 * the loop from labels to routing, as for the calibration feedback. Undecodable records go to the dead letters, and
 * so does a certificate issued further ahead of this clock than events.max-future: the router keeps the latest
 * certificate, so one stamped in the future (a skewed clock, or a record nobody in the job wrote) would otherwise
 * outrank every later one, a withdrawal included, until the clock caught up with it.
 */
public class ParseCertificate extends DecodeOrDeadLetter<RiskCertificate, CalibrationFeedback> {
    private static final long serialVersionUID = 1L;

    private final long maxAheadMs;

    public ParseCertificate(RecordCodec<RiskCertificate> codec, java.time.Duration maxAhead) {
        super(codec);
        this.maxAheadMs = maxAhead.toMillis();
    }

    @Override
    protected void accept(
            RawRecord record, RiskCertificate c, long readAt, Context ctx, Collector<CalibrationFeedback> out) {
        long ahead = c.getIssuedAt().toEpochMilli() - readAt;
        if (ahead > maxAheadMs) {
            reject(
                    ctx,
                    record,
                    null,
                    ErrorCode.INVALID_EVENT,
                    "certificate issued_at " + c.getIssuedAt() + " is " + ahead + " ms ahead of this clock, more than"
                            + " events.max-future (" + maxAheadMs + " ms): not applied");
            return;
        }
        CalibrationFeedback f = CalibrationFeedback.certificate(
                io.bayesvlm.core.model.ModelSpec.key(c.getModelName(), c.getModelVersion()),
                c.getIssuedAt().toEpochMilli(),
                c.getSequence(),
                c.getScore(),
                c.getThreshold() == null ? Double.NaN : c.getThreshold());
        f.predictor = c.getPredictor();
        if (c.getPredictorWeights() != null) {
            f.predictorWeights = new byte[c.getPredictorWeights().remaining()];
            c.getPredictorWeights().duplicate().get(f.predictorWeights);
        }
        out.collect(f);
    }
}
