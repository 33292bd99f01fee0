package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.ReceivedLabel;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JoinLabelsHarnessTest {

    private KeyedTwoInputStreamOperatorTestHarness<String, Decision, ReceivedLabel, LabelledDecision> h;

    @BeforeEach
    void open() throws Exception {
        h = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new JoinLabels(Duration.ofMinutes(10)), Decision::getEventId, ReceivedLabel::eventId, Types.STRING);
        h.setProcessingTime(0);
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private List<LabelledDecision> out() {
        return h.extractOutputValues();
    }

    @Test
    void labelAfterDecision() throws Exception {
        h.processElement1(new StreamRecord<>(TestRecords.decision("a", 1000, 0.7, 0.2, 0.1), 1000));
        assertThat(out()).isEmpty();
        h.setProcessingTime(60_000); // a minute later
        h.processElement2(new StreamRecord<>(TestRecords.received("a", "dog"), 2000));
        assertThat(out()).singleElement().satisfies(ld -> {
            assertThat(ld.eventId).isEqualTo("a");
            assertThat(ld.label).isEqualTo(1);
            assertThat(ld.eventTime).isEqualTo(1000);
            assertThat(ld.labelSource).isEqualTo("REVIEWER");
        });
    }

    @Test
    void labelBeforeDecision() throws Exception {
        h.processElement2(new StreamRecord<>(TestRecords.received("b", "car"), 5));
        h.setProcessingTime(120_000);
        h.processElement1(new StreamRecord<>(TestRecords.decision("b", 3000, 0.1, 0.1, 0.8), 3000));
        assertThat(out()).singleElement().satisfies(ld -> assertThat(ld.label).isEqualTo(2));
    }

    @Test
    void neverLabelledExpiresAndFreesState() throws Exception {
        h.processElement1(new StreamRecord<>(TestRecords.decision("c", 1, 0.5, 0.3, 0.2), 1));
        assertThat(h.numKeyedStateEntries()).isPositive();
        h.setProcessingTime(Duration.ofMinutes(10).toMillis() + 1);
        assertThat(h.numKeyedStateEntries()).isZero();
        assertThat(out()).isEmpty();
    }

    @Test
    void labelArrivingAfterTheTtlIsNotJoined() throws Exception {
        h.processElement1(new StreamRecord<>(TestRecords.decision("d", 1, 0.5, 0.3, 0.2), 1));
        h.setProcessingTime(Duration.ofMinutes(11).toMillis());
        h.processElement2(new StreamRecord<>(TestRecords.received("d", "cat"), 2));
        assertThat(out()).isEmpty(); // it now waits for a decision that will not come, until its own TTL
        h.setProcessingTime(Duration.ofMinutes(22).toMillis());
        assertThat(h.numKeyedStateEntries()).isZero();
    }

    @Test
    void duplicateLabelsAreIgnoredAndUnknownClassesDeadLettered() throws Exception {
        h.processElement1(new StreamRecord<>(TestRecords.decision("e", 1, 0.5, 0.3, 0.2), 1));
        h.processElement2(new StreamRecord<>(TestRecords.received("e", "cat"), 2));
        h.processElement2(new StreamRecord<>(TestRecords.received("e", "dog"), 3));
        assertThat(out()).hasSize(1);

        h.processElement1(new StreamRecord<>(TestRecords.decision("f", 1, 0.5, 0.3, 0.2), 1));
        h.processElement2(new StreamRecord<>(TestRecords.received("f", "giraffe"), 2));
        assertThat(out()).hasSize(1);
        var dead = h.getSideOutput(DeadLetterOutput.TAG);
        assertThat(dead).singleElement().satisfies(r -> {
            DeadLetter d = r.getValue();
            assertThat(d.getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_LABEL.name());
            assertThat(d.getErrorMessage()).contains("giraffe");
            // where the label was read, exactly (not a hard-coded topic with offset -1)
            assertThat(d.getTopic()).isEqualTo(TestRecords.LABELS_TOPIC);
            assertThat(d.getPartition()).isEqualTo(1);
            assertThat(d.getOffset()).isEqualTo(TestRecords.labelOffset("f"));
        });
    }

    /** A label at {@code time} that corrects the one at {@code supersedes} (null: a first label). */
    private static ReceivedLabel labelAt(String id, String label, long time, Long supersedes) {
        var l = TestRecords.label(id, label);
        l.setLabelTime(java.time.Instant.ofEpochMilli(time));
        l.setSupersedes(supersedes == null ? null : java.time.Instant.ofEpochMilli(supersedes));
        return new ReceivedLabel(l, TestRecords.LABELS_TOPIC, 1, 7);
    }

    @Test
    void aCorrectionOfTheJoinedLabelIsJoinedTooAndTheWindowsCountTheLaterOne() throws Exception {
        h.close();
        h = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new JoinLabels(Duration.ofMinutes(10), Duration.ofMinutes(2)),
                Decision::getEventId,
                ReceivedLabel::eventId,
                Types.STRING);
        h.setProcessingTime(0);
        h.processElement1(new StreamRecord<>(TestRecords.decision("g", 1, 0.5, 0.3, 0.2), 1));
        h.processElement2(new StreamRecord<>(labelAt("g", "cat", 5_000, null), 2));
        // not a correction of the label it was joined with: ignored, as any second label
        h.processElement2(new StreamRecord<>(labelAt("g", "car", 6_000, 4_999L), 3));
        h.processElement2(new StreamRecord<>(labelAt("g", "dog", 9_000, 5_000L), 4));
        assertThat(out()).extracting(ld -> ld.label + "@" + ld.labelTime).containsExactly("0@5000", "1@9000");
        // a correction of the correction is joined as well; a stale one (of the first label) no more
        h.processElement2(new StreamRecord<>(labelAt("g", "car", 12_000, 9_000L), 5));
        h.processElement2(new StreamRecord<>(labelAt("g", "cat", 13_000, 5_000L), 6));
        assertThat(out()).extracting(ld -> ld.label).containsExactly(0, 1, 2);
        assertThat(RollingCalibration.latestPerEvent(out()))
                .singleElement()
                .satisfies(
                        ld -> assertThat(ld.label).as("the latest label counts").isEqualTo(2));
        // after the correction window the decision is dropped (a marker stays until the TTL): no more corrections
        h.setProcessingTime(Duration.ofMinutes(2).toMillis() + 1);
        h.processElement2(new StreamRecord<>(labelAt("g", "dog", 200_000, 12_000L), 7));
        assertThat(out()).hasSize(3);
        assertThat(h.numKeyedStateEntries()).isPositive();
        h.setProcessingTime(Duration.ofMinutes(10).toMillis() + 1);
        assertThat(h.numKeyedStateEntries()).isZero();
    }

    @Test
    void withoutACorrectionWindowACorrectionIsIgnoredLikeAnySecondLabel() throws Exception {
        h.processElement1(new StreamRecord<>(TestRecords.decision("h", 1, 0.5, 0.3, 0.2), 1));
        h.processElement2(new StreamRecord<>(labelAt("h", "cat", 5_000, null), 2));
        h.processElement2(new StreamRecord<>(labelAt("h", "dog", 9_000, 5_000L), 3));
        assertThat(out()).extracting(ld -> ld.label).containsExactly(0);
    }
}
