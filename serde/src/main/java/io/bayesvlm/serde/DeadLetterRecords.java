package io.bayesvlm.serde;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.common.ErrorCode;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * How a record that cannot be used becomes a {@link DeadLetter}, the same in the job and the review service: its
 * original key and value bytes, where it was read (topic, partition, offset), the event id when known, and why.
 */
public final class DeadLetterRecords {

    private DeadLetterRecords() {}

    public static DeadLetter of(
            byte[] key,
            byte[] value,
            String topic,
            int partition,
            long offset,
            String eventId,
            ErrorCode code,
            String message,
            Instant time) {
        return DeadLetter.newBuilder()
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setTopic(topic == null ? "" : topic)
                .setPartition(partition)
                .setOffset(offset)
                .setEventId(eventId)
                .setErrorCode(code.name())
                .setErrorMessage(message == null ? code.name() : message)
                .setTime(time)
                .build();
    }

    /** The code for a record the codec could not decode: an unknown schema id, or bytes that are not the record. */
    public static ErrorCode codeOf(Exception decodeFailure) {
        return decodeFailure instanceof UnknownSchemaException
                ? ErrorCode.UNKNOWN_SCHEMA_ID
                : ErrorCode.UNDECODABLE_RECORD;
    }
}
