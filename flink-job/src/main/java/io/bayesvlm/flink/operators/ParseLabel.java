package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.serde.UnknownSchemaException;
import io.bayesvlm.flink.model.RawRecord;
import io.bayesvlm.flink.model.ReceivedLabel;
import java.io.IOException;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Parses LabelEvents; undecodable ones go to the dead letters. */
public class ParseLabel extends ProcessFunction<RawRecord, ReceivedLabel> {
    private static final long serialVersionUID = 1L;

    private final RecordCodec<LabelEvent> codec;

    public ParseLabel(RecordCodec<LabelEvent> codec) {
        this.codec = codec;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext context) {
        io.bayesvlm.flink.kafka.RegistryMetrics.exposeRetries(getRuntimeContext().getMetricGroup(), codec);
    }

    @Override
    public void close() {
        codec.close();
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<ReceivedLabel> out) {
        try {
            LabelEvent label = codec.decode(record.topic, record.value);
            if (label.getEventId() == null || label.getEventId().isBlank()) {
                ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.INVALID_EVENT, "label without event_id"));
                return;
            }
            out.collect(new ReceivedLabel(label, record.topic, record.partition, record.offset));
        } catch (UnknownSchemaException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNKNOWN_SCHEMA_ID, e.getMessage()));
        } catch (IOException e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(record, null, DeadLetters.UNDECODABLE_RECORD, e.getMessage()));
        }
    }
}
