package io.bayesvlm.flink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.flink.operators.TestRecords;
import io.bayesvlm.serde.AvroCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopKDecisionTest {

    @Test
    void keepsTheMostProbableClassesAlignedAndSaysOfHowMany() throws Exception {
        Decision d = TestRecords.decision("x", 1, 0.2, 0.7, 0.1); // classes cat, dog, car
        d.setMapProbs(List.of(0.3, 0.6, 0.1));
        d.setLogitsMean(List.of(1.0, 3.0, -1.0));
        d.setLogitsVar(List.of(0.1, 0.2, 0.3));
        Decision top = new TopKDecision(2).apply(d);
        assertThat(top.getClasses()).containsExactly("dog", "cat");
        assertThat(top.getProbs()).containsExactly(0.7, 0.2);
        assertThat(top.getMapProbs()).containsExactly(0.6, 0.3);
        assertThat(top.getLogitsMean()).containsExactly(3.0, 1.0);
        assertThat(top.getLogitsVar()).containsExactly(0.2, 0.1);
        assertThat(top.getNumClasses()).isEqualTo(3);
        assertThat(top.getEventId()).isEqualTo("x");
        assertThat(d.getClasses()).hasSize(3); // the job's own record is untouched
        // k at least the number of classes: unchanged
        assertThat(new TopKDecision(3).apply(d)).isSameAs(d);
        // and it survives the wire with the current schema
        AvroCodec<Decision> codec = new AvroCodec<>(Decision.class);
        assertThat(codec.decode(codec.encode(top))).isEqualTo(top);
    }
}
