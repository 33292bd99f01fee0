package io.bayesvlm.flink.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.avro.UncertaintyScores;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinSlotTest {

    static Decision decision(boolean recalibrated) {
        return Decision.newBuilder()
                .setEventId("e-1")
                .setEventTime(Instant.ofEpochMilli(-42))
                .setSource("s")
                .setModelName("model")
                .setModelVersion("v\u20ac1")
                .setClasses(List.of("a", "b", "c"))
                .setPredictedClass("b")
                .setProbs(List.of(0.2, 0.7, 0.1))
                .setMapProbs(List.of(0.25, 0.5, 0.25))
                .setLogitsMean(List.of(1.0, 2.0, 3.0))
                .setLogitsVar(List.of(0.1, 0.2, 0.3))
                .setUncertainty(new UncertaintyScores(0.7, 0.8, 0.01, 0.3, 0.5, 0.4))
                .setRouting(Routing.AUDIT)
                .setRoutingScore("max_prob")
                .setRoutingValue(0.7)
                .setRoutingThreshold(0.9)
                .setProcessingLatencyMs(5)
                .setLabelPropensity(recalibrated ? 0.25 : null)
                .setRecalibratedProbs(recalibrated ? List.of(0.3, 0.6, 0.1) : null)
                .setRecalibratedMapProbs(recalibrated ? List.of(0.3, 0.4, 0.3) : null)
                .setCalibrationVersion(recalibrated ? 1_700_000_000_000L : null)
                .build();
    }

    @Test
    void aWaitingDecisionKeepsWhatTheCalibrationNeeds() {
        for (boolean recalibrated : new boolean[] {false, true}) {
            byte[] slot = JoinSlot.decision(decision(recalibrated), 123_456L);
            assertThat(JoinSlot.tag(slot)).isEqualTo(JoinSlot.DECISION);
            assertThat(JoinSlot.expiry(slot)).isEqualTo(123_456L);
            LabelledDecision ld = JoinSlot.decision(slot, "e-1");
            assertThat(ld.eventId).isEqualTo("e-1");
            assertThat(ld.eventTime).isEqualTo(-42);
            assertThat(ld.modelName).isEqualTo("model");
            assertThat(ld.modelVersion).isEqualTo("v\u20ac1");
            assertThat(ld.routing).isEqualTo("AUDIT");
            assertThat(ld.routingScore).isEqualTo("max_prob");
            assertThat(ld.routingValue).isEqualTo(0.7);
            assertThat(ld.probs).containsExactly(0.2, 0.7, 0.1);
            assertThat(ld.mapProbs).containsExactly(0.25, 0.5, 0.25);
            if (recalibrated) {
                assertThat(ld.labelPropensity).isEqualTo(0.25);
                assertThat(ld.calibrationVersion).isEqualTo(1_700_000_000_000L);
                assertThat(ld.recalibratedProbs).containsExactly(0.3, 0.6, 0.1);
                assertThat(ld.recalibratedMapProbs).containsExactly(0.3, 0.4, 0.3);
            } else {
                assertThat(ld.labelPropensity).isNaN();
                assertThat(ld.calibrationVersion).isEqualTo(-1);
                assertThat(ld.recalibratedProbs).isNull();
            }
        }
    }

    @Test
    void aWaitingLabelKeepsItsCoordinates() throws Exception {
        LabelEvent l = LabelEvent.newBuilder()
                .setEventId("e-2")
                .setLabel("c")
                .setLabelSource(LabelSource.AUDIT)
                .setLabelTime(Instant.ofEpochMilli(99))
                .setReviewerId("r")
                .build();
        byte[] slot = JoinSlot.label(new ReceivedLabel(l, "labels", 3, 77L), Long.MAX_VALUE);
        assertThat(JoinSlot.tag(slot)).isEqualTo(JoinSlot.LABEL);
        assertThat(JoinSlot.expiry(slot)).isEqualTo(Long.MAX_VALUE);
        ReceivedLabel back = JoinSlot.label(slot);
        assertThat(back.event).isEqualTo(l);
        assertThat(back.topic).isEqualTo("labels");
        assertThat(back.partition).isEqualTo(3);
        assertThat(back.offset).isEqualTo(77L);
        assertThatThrownBy(() -> JoinSlot.decision(slot, "e-2")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theJoinedMarkerIsNineBytes() {
        byte[] slot = JoinSlot.joined(-5);
        assertThat(slot).hasSize(9);
        assertThat(JoinSlot.tag(slot)).isEqualTo(JoinSlot.JOINED);
        assertThat(JoinSlot.expiry(slot)).isEqualTo(-5);
    }
}
