package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.LabelledFailure;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JoinFailureInputsHarnessTest {

    private KeyedTwoInputStreamOperatorTestHarness<String, FailureObservation, LabelledDecision, LabelledFailure> h;

    @BeforeEach
    void open() throws Exception {
        h = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new JoinFailureInputs(Duration.ofMinutes(10)), o -> o.eventId, d -> d.eventId, Types.STRING);
        h.setProcessingTime(0);
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** The head predicted class {@code predicted} for event {@code id}. */
    static FailureObservation observation(String id, int predicted) {
        return FailureObservation.of(
                id,
                "m/1",
                0L,
                "REVIEW",
                new FailureInput(
                        new double[] {0.6, 0.8},
                        predicted,
                        new double[] {1, 2, 3},
                        new double[] {0.1, 0.2, 0.3},
                        new double[] {0.5, 0.4, 0.3, 0.2, 0.1, 0.9}));
    }

    static LabelledDecision labelled(String id, int label, double propensity) {
        LabelledDecision d = new LabelledDecision();
        d.eventId = id;
        d.label = label;
        d.labelPropensity = propensity;
        return d;
    }

    private List<LabelledFailure> out() {
        return h.extractOutputValues();
    }

    @Test
    void aReviewedMistakeAndAnAuditedRightOneEitherOrderWeightedByTheirPropensity() throws Exception {
        h.processElement1(new StreamRecord<>(observation("a", 2), 1));
        h.setProcessingTime(60_000);
        h.processElement2(new StreamRecord<>(labelled("a", 0, 1.0), 2)); // reviewed: the label is another class
        h.processElement2(new StreamRecord<>(labelled("b", 1, 0.05), 3)); // audited, the label first
        h.processElement1(new StreamRecord<>(observation("b", 1), 4));
        assertThat(out()).hasSize(2);
        LabelledFailure a = out().get(0);
        assertThat(a.observation.eventId).isEqualTo("a");
        assertThat(a.wrong).isTrue();
        assertThat(a.weight).isEqualTo(1.0);
        assertThat(a.label().input().logitsVar()).containsExactly(0.1, 0.2, 0.3);
        LabelledFailure b = out().get(1);
        assertThat(b.wrong).isFalse();
        assertThat(b.weight).isCloseTo(20.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void onlyTheFirstLabelCountsAndAnUnknownPropensityIsNotUsed() throws Exception {
        h.processElement1(new StreamRecord<>(observation("c", 1), 1));
        h.processElement2(new StreamRecord<>(labelled("c", 1, 1.0), 2));
        h.processElement2(new StreamRecord<>(labelled("c", 0, 1.0), 3)); // a correction: not trained on
        h.processElement1(new StreamRecord<>(observation("c", 1), 4)); // a replayed observation: not again
        assertThat(out()).singleElement().satisfies(l -> assertThat(l.wrong).isFalse());

        h.processElement2(new StreamRecord<>(labelled("d", 0, Double.NaN), 5)); // decisions before label_propensity
        h.processElement1(new StreamRecord<>(observation("d", 1), 6));
        assertThat(out()).hasSize(1);
    }

    @Test
    void whatWaitsLongerThanTheTtlIsDroppedAndItsStateFreed() throws Exception {
        h.processElement1(new StreamRecord<>(observation("e", 1), 1));
        h.processElement2(new StreamRecord<>(labelled("f", 1, 1.0), 2));
        h.processElement1(new StreamRecord<>(observation("g", 0), 3));
        h.processElement2(new StreamRecord<>(labelled("g", 0, 1.0), 4)); // joined: only a marker waits
        assertThat(h.numKeyedStateEntries()).isPositive();
        h.setProcessingTime(Duration.ofMinutes(10).toMillis() + 1);
        assertThat(h.numKeyedStateEntries()).isZero();
        h.processElement2(new StreamRecord<>(labelled("e", 1, 1.0), 5)); // too late for its observation
        assertThat(out())
                .singleElement()
                .satisfies(l -> assertThat(l.observation.eventId).isEqualTo("g"));
    }
}
