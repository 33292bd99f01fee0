package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.flink.records.ReceivedLabel;
import io.bayesvlm.serde.RecordCodec;
import org.apache.flink.util.Collector;

/** Parses LabelEvents, keeping where each was read; undecodable ones and labels without an event id go to the dead letters. */
public class ParseLabel extends DecodeOrDeadLetter<LabelEvent, ReceivedLabel> {
    private static final long serialVersionUID = 1L;

    public ParseLabel(RecordCodec<LabelEvent> codec) {
        super(codec);
    }

    @Override
    protected void accept(RawRecord record, LabelEvent label, long readAt, Context ctx, Collector<ReceivedLabel> out) {
        if (label.getEventId() == null || label.getEventId().isBlank()) {
            reject(ctx, record, null, ErrorCode.INVALID_EVENT, "label without event_id");
            return;
        }
        out.collect(new ReceivedLabel(label, record.topic, record.partition, record.offset));
    }
}
