package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.flink.records.RawRecord;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BoundDeadLettersTest {

    static DeadLetter letter(int keyBytes, int valueBytes, String message) {
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 7);
        return DeadLetterOutput.of(
                new RawRecord(new byte[keyBytes], value, "image-events", 3, 12345L, 0L),
                "e-1",
                io.bayesvlm.common.ErrorCode.CORRUPT_IMAGE,
                message);
    }

    @Test
    void aSmallDeadLetterPassesWhole() {
        DeadLetter d = new BoundDeadLetters(1024).map(letter(10, 1000, "bad"));
        assertThat(d.getTruncated()).isFalse();
        assertThat(d.getValue().remaining()).isEqualTo(1000);
        assertThat(d.getValueSize()).isEqualTo(1000L);
    }

    @Test
    void aLargeOneKeepsItsHeadAndExactCoordinates() {
        DeadLetter d = new BoundDeadLetters(1024).map(letter(5000, 1_600_000, "x".repeat(10_000)));
        assertThat(d.getTruncated()).isTrue();
        assertThat(d.getValue().remaining()).isEqualTo(1024);
        assertThat(d.getValue().get(0)).isEqualTo((byte) 7);
        assertThat(d.getKey().remaining()).isEqualTo(1024);
        assertThat(d.getValueSize()).isEqualTo(1_600_000L);
        assertThat(d.getErrorMessage()).hasSize(BoundDeadLetters.MAX_MESSAGE_CHARS + 3);
        assertThat(d.getTopic()).isEqualTo("image-events");
        assertThat(d.getPartition()).isEqualTo(3);
        assertThat(d.getOffset()).isEqualTo(12345L);
    }

    @Test
    void aValueOfExactlyTheLimitIsNotCut() {
        DeadLetter d = new BoundDeadLetters(1024).map(letter(0, 1024, "bad"));
        assertThat(d.getTruncated()).isFalse();
        assertThat(d.getValue())
                .isEqualTo(ByteBuffer.wrap(letter(0, 1024, "bad").getValue().array()));
    }
}
