package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.flink.model.RawRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.util.OutputTag;

/** The dead-letter side output and how records become dead letters (original bytes, origin and reason kept). */
public final class DeadLetters {

    /** Side output shared by every operator that can refuse input. */
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

    /** Error codes beyond the image ones of {@link io.bayesvlm.core.ErrorCode}. */
    public static final String UNDECODABLE_RECORD = "UNDECODABLE_RECORD";
    public static final String INVALID_EVENT = "INVALID_EVENT";
    public static final String UNKNOWN_LABEL = "UNKNOWN_LABEL";
    /** The record's Confluent header names a schema id the registry does not know. */
    public static final String UNKNOWN_SCHEMA_ID = "UNKNOWN_SCHEMA_ID";

    private DeadLetters() {}

    public static DeadLetter of(RawRecord r, String eventId, String code, String message) {
        return DeadLetter.newBuilder()
                .setKey(r.key == null ? null : ByteBuffer.wrap(r.key))
                .setValue(r.value == null ? null : ByteBuffer.wrap(r.value))
                .setTopic(r.topic == null ? "" : r.topic)
                .setPartition(r.partition)
                .setOffset(r.offset)
                .setEventId(eventId)
                .setErrorCode(code)
                .setErrorMessage(message == null ? code : message)
                .setTime(Instant.now())
                .build();
    }
}
