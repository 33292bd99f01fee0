package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.flink.kafka.AvroCodec;
import io.bayesvlm.flink.model.RawRecord;
import java.io.IOException;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Parses LabelEvents; undecodable ones go to the dead letters. */
public class ParseLabel extends ProcessFunction<RawRecord, LabelEvent> {
    private static final long serialVersionUID = 1L;

    private final AvroCodec<LabelEvent> codec = new AvroCodec<>(LabelEvent.class);

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<LabelEvent> out) {
        try {
            LabelEvent label = codec.decode(record.value);
            if (label.getEventId() == null || label.getEventId().isBlank()) {
                ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.INVALID_EVENT, "label without event_id"));
                return;
            }
            out.collect(label);
        } catch (IOException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNDECODABLE_RECORD, e.getMessage()));
        }
    }
}
