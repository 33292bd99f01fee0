package io.bayesvlm.review.queue;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.serde.DeadLetterRecords;
import io.bayesvlm.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * An input record the service cannot use becomes a {@link DeadLetter} with its original bytes and the reason, in
 * the same format as the job's: nothing is dropped silently, and the service keeps running.
 */
public final class DeadLetterSink {
    public static final String SINK = "dead-letters sink";

    private final String topic;
    private final RecordCodec<DeadLetter> codec;

    public DeadLetterSink(String topic, RecordCodec<DeadLetter> codec) {
        this.topic = topic;
        this.codec = codec;
    }

    /**
     * The record's value as a {@code what}, or null after sending it here with the reason (a missing value, bytes
     * that are not that record, a schema id the registry does not know).
     */
    public <T> T decodeOrSend(
            ProcessorContext<byte[], byte[]> context,
            Record<byte[], byte[]> in,
            RecordCodec<T> codec,
            String topic,
            String what) {
        try {
            if (in.value() == null) {
                throw new java.io.IOException("empty value");
            }
            return codec.decode(topic, in.value());
        } catch (Exception e) {
            send(context, in, DeadLetterRecords.codeOf(e), "not a " + what + ": " + e.getMessage());
            return null;
        }
    }

    public void send(
            ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> in, ErrorCode code, String message) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        DeadLetter d = DeadLetterRecords.of(
                in.key(),
                in.value(),
                m.topic(),
                m.partition(),
                m.offset(),
                in.key() == null ? null : new String(in.key(), StandardCharsets.UTF_8),
                code,
                message,
                Instant.ofEpochMilli(in.timestamp()));
        context.forward(new Record<>(in.key(), codec.encode(topic, d), in.timestamp()), SINK);
    }
}
