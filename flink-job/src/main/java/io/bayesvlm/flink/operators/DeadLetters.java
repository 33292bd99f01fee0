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

    /**
     * A decoded image the model could not score: the original record's key, topic, partition and offset, and as
     * value the encoded image (the event's payload; the full event stays at that offset).
     */
    public static DeadLetter of(io.bayesvlm.flink.model.DecodedImage d, String code, String message) {
        RawRecord o = d.origin == null ? new RawRecord(null, null, "", -1, -1, 0) : d.origin;
        return of(new RawRecord(o.key, d.image, o.topic, o.partition, o.offset, o.timestamp), d.eventId, code, message);
    }

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
