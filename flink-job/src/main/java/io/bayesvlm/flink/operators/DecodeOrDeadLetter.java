package io.bayesvlm.flink.operators;

import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.flink.kafka.RegistryMetrics;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.DeadLetterRecords;
import io.bayesvlm.serde.RecordCodec;
import java.io.IOException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The shape every reader of a topic shares: decode the record's Avro, or dead-letter it (UNKNOWN_SCHEMA_ID,
 * UNDECODABLE_RECORD) with its bytes and origin; then {@link #accept} the decoded value, which may still refuse it
 * through {@link #reject}. Nothing is dropped and nothing thrown: one bad record never restarts the job.
 */
public abstract class DecodeOrDeadLetter<T, O> extends ProcessFunction<RawRecord, O> {
    private static final long serialVersionUID = 1L;

    protected final RecordCodec<T> codec;

    protected DecodeOrDeadLetter(RecordCodec<T> codec) {
        this.codec = codec;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        RegistryMetrics.exposeRetries(getRuntimeContext().getMetricGroup(), codec);
    }

    @Override
    public void close() {
        codec.close();
    }

    @Override
    public final void processElement(RawRecord record, Context ctx, Collector<O> out) {
        long readAt = System.currentTimeMillis();
        T value;
        try {
            value = codec.decode(record.topic, record.value);
        } catch (IOException e) {
            reject(ctx, record, null, DeadLetterRecords.codeOf(e), e.getMessage());
            return;
        }
        accept(record, value, readAt, ctx, out);
    }

    /** What to do with a decoded record read at wall time {@code readAt}: emit, skip, or {@link #reject}. */
    protected abstract void accept(RawRecord record, T value, long readAt, Context ctx, Collector<O> out);

    protected void reject(Context ctx, RawRecord record, String eventId, ErrorCode code, String message) {
        ctx.output(DeadLetterOutput.TAG, DeadLetterOutput.of(record, eventId, code, message));
    }
}
