package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.flink.records.DecodedImage;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.DeadLetterRecords;
import java.time.Instant;
import org.apache.flink.util.OutputTag;

/** The dead-letter side output and how the job's records become dead letters (original bytes, origin, reason). */
public final class DeadLetterOutput {

    /** Side output shared by every operator that can refuse input. */
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

    private DeadLetterOutput() {}

    /**
     * A decoded image the model could not score: the original record's key, topic, partition and offset, and as
     * value the encoded image (the event's payload; the full event stays at that offset).
     */
    public static DeadLetter of(DecodedImage d, ErrorCode code, String message) {
        RawRecord o = d.origin == null ? new RawRecord(null, null, "", -1, -1, 0) : d.origin;
        return of(new RawRecord(o.key, d.image, o.topic, o.partition, o.offset, o.timestamp), d.eventId, code, message);
    }

    public static DeadLetter of(RawRecord r, String eventId, ErrorCode code, String message) {
        return DeadLetterRecords.of(
                r.key, r.value, r.topic, r.partition, r.offset, eventId, code, message, Instant.now());
    }
}
