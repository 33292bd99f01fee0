package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DeadLetter;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Cuts a dead letter to a size that always fits the dead-letter topic: at most {@code maxValueBytes} of the original
 * key and value, a bounded event id and message. Its topic, partition and offset stay exact, so the whole original
 * can be read back from there; {@code value_size} says how large it was. (Without this, a 1.6 MB corrupt image became
 * a dead letter larger than the producer's max.request.size, and the sink failed the job on every restart.)
 */
public class BoundDeadLetters implements MapFunction<DeadLetter, DeadLetter> {
    private static final long serialVersionUID = 1L;

    /** Longest event id and error message kept. */
    public static final int MAX_ID_CHARS = DecodeImage.MAX_ID_CHARS;

    public static final int MAX_MESSAGE_CHARS = 4096;

    private final int maxValueBytes;

    public BoundDeadLetters(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public DeadLetter map(DeadLetter d) {
        boolean cut = false;
        ByteBuffer value = d.getValue();
        if (value != null) {
            d.setValueSize((long) value.remaining());
            if (value.remaining() > maxValueBytes) {
                d.setValue(head(value, maxValueBytes));
                cut = true;
            }
        }
        ByteBuffer key = d.getKey();
        if (key != null && key.remaining() > maxValueBytes) {
            d.setKey(head(key, maxValueBytes));
            cut = true;
        }
        if (d.getEventId() != null && d.getEventId().length() > MAX_ID_CHARS) {
            d.setEventId(d.getEventId().substring(0, MAX_ID_CHARS));
            cut = true;
        }
        if (d.getErrorMessage().length() > MAX_MESSAGE_CHARS) {
            d.setErrorMessage(d.getErrorMessage().substring(0, MAX_MESSAGE_CHARS) + "...");
            cut = true;
        }
        d.setTruncated(d.getTruncated() || cut);
        return d;
    }

    private static ByteBuffer head(ByteBuffer b, int n) {
        ByteBuffer dup = b.duplicate();
        byte[] out = new byte[n];
        dup.get(out);
        return ByteBuffer.wrap(out);
    }
}
