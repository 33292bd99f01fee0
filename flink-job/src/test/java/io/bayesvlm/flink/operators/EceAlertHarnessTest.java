package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.common.ModelKey;
import io.bayesvlm.flink.records.LabelledDecision;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class EceAlertHarnessTest {

    /** A report whose BayesVLM ECE is that of one item with confidence c, wrong (gap = c). */
    static CalibrationReport report(double confidence, long end) {
        return report(confidence, end, 1);
    }

    /** The same, from {@code n} identical labelled items. */
    static CalibrationReport report(double confidence, long end, int n) {
        LabelledDecision d = new LabelledDecision();
        d.modelName = "m";
        d.modelVersion = "1";
        d.probs = new double[] {confidence, 1 - confidence};
        d.mapProbs = d.probs;
        d.label = 1;
        d.labelSource = "REVIEWER";
        d.routing = "AUTO";
        return CalibrationReports.build(java.util.Collections.nCopies(n, d), 15, end - 1000, end);
    }

    @Test
    void alertsAfterKConsecutiveWindowsOverTheThreshold() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, CalibrationReport, CalibrationReport> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new EceAlert(0.7, 3, 1),
                        r -> ModelKey.of(r.getModelName(), r.getModelVersion()),
                        Types.STRING)) {
            h.open();
            double[] confidences = {0.9, 0.95, 0.6, 0.9, 0.8, 0.75, 0.99};
            for (int i = 0; i < confidences.length; i++) {
                h.processElement(new StreamRecord<>(report(confidences[i], 1000L * (i + 1)), i));
            }
            List<CalibrationReport> out = h.extractOutputValues();
            assertThat(out.stream().map(CalibrationReport::getWindowsOverThreshold))
                    .containsExactly(1, 2, 0, 1, 2, 3, 4);
            assertThat(out.stream().map(CalibrationReport::getAlert))
                    .containsExactly(false, false, false, false, false, true, true);
            assertThat(out.get(0).getBayes().getEce()).isEqualTo(0.9, org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    @Test
    void windowsWithFewerLabelsThanTheMinimumAreNoEvidenceAndEndAStreak() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, CalibrationReport, CalibrationReport> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new EceAlert(0.7, 2, 100),
                        r -> ModelKey.of(r.getModelName(), r.getModelVersion()),
                        Types.STRING)) {
            h.open();
            // ECE 0.9 on 1, 100, 100, 99, 100 and 100 labels
            int[] labels = {1, 100, 100, 99, 100, 100};
            for (int i = 0; i < labels.length; i++) {
                h.processElement(new StreamRecord<>(report(0.9, 1000L * (i + 1), labels[i]), i));
            }
            List<CalibrationReport> out = h.extractOutputValues();
            assertThat(out.stream().map(CalibrationReport::getLabelled))
                    .containsExactly(1L, 100L, 100L, 99L, 100L, 100L);
            assertThat(out.stream().map(CalibrationReport::getWindowsOverThreshold))
                    .containsExactly(0, 1, 2, 0, 1, 2);
            assertThat(out.stream().map(CalibrationReport::getAlert))
                    .containsExactly(false, false, true, false, false, true);
        }
    }
}
