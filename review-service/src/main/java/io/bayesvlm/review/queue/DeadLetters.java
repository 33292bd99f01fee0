package io.bayesvlm.review.queue;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.serde.UnknownSchemaException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * An input record the service cannot use becomes a {@link DeadLetter} with its original bytes and the reason, in
 * the same format as the job's: nothing is dropped silently, and the service keeps running.
 */
public final class DeadLetters {
    public static final String SINK = "dead-letters sink";

    private final String topic;
    private final RecordCodec<DeadLetter> codec;

    public DeadLetters(String topic, RecordCodec<DeadLetter> codec) {
        this.topic = topic;
        this.codec = codec;
    }

    /** The job's error codes: UNKNOWN_SCHEMA_ID when the registry does not know the id, else UNDECODABLE_RECORD. */
    public static String code(Exception e) {
        return e instanceof UnknownSchemaException ? "UNKNOWN_SCHEMA_ID" : "UNDECODABLE_RECORD";
    }

    /**
     * The record's value as a {@code what}, or null after sending it here with the reason (a missing value, bytes
     * that are not that record, a schema id the registry does not know).
     */
    public <T> T decodeOrSend(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> in, RecordCodec<T> codec,
            String topic, String what) {
        try {
            if (in.value() == null) {
                throw new java.io.IOException("empty value");
            }
            return codec.decode(topic, in.value());
        } catch (Exception e) {
            send(context, in, code(e), "not a " + what + ": " + e.getMessage());
            return null;
        }
    }

    public void send(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> in, String code, String message) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        DeadLetter d = DeadLetter.newBuilder()
                .setKey(in.key() == null ? null : ByteBuffer.wrap(in.key()))
                .setValue(in.value() == null ? null : ByteBuffer.wrap(in.value()))
                .setTopic(m.topic())
                .setPartition(m.partition())
                .setOffset(m.offset())
                .setEventId(in.key() == null ? null : new String(in.key(), StandardCharsets.UTF_8))
                .setErrorCode(code)
                .setErrorMessage(message)
                .setTime(Instant.ofEpochMilli(in.timestamp()))
                .build();
        context.forward(new Record<>(in.key(), codec.encode(topic, d), in.timestamp()), SINK);
    }
}
