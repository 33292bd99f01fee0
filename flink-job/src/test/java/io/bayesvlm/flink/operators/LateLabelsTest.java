package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.flink.records.LabelledDecision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.junit.jupiter.api.Test;

/**
 * A labelled decision that reaches the calibration windows after they closed is a dead letter LATE_LABEL at the
 * label's coordinates, not a silent loss (the wiring of ModerationJob.calibrate: the windows' late data, mapped).
 */
class LateLabelsTest {

    static LabelledDecision pair(String id, long eventTime, long labelOffset) {
        LabelledDecision d = new LabelledDecision();
        d.eventId = id;
        d.eventTime = eventTime;
        d.modelName = "m";
        d.modelVersion = "1";
        d.probs = new double[] {0.8, 0.2};
        d.mapProbs = d.probs;
        d.label = 0;
        d.labelSource = "REVIEWER";
        d.routing = "REVIEW";
        d.labelPropensity = 1;
        d.labelTopic = "labels";
        d.labelPartition = 1;
        d.labelOffset = labelOffset;
        return d;
    }

    /** A watermark at every pair's event time: the windows close exactly as event time passes them. */
    static final class EveryPair implements WatermarkGenerator<LabelledDecision> {
        @Override
        public void onEvent(LabelledDecision d, long ts, WatermarkOutput out) {
            out.emitWatermark(new Watermark(ts));
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput out) {}
    }

    @Test
    void aPairLaterThanItsWindowsIsADeadLetterWithTheLabelsCoordinates() throws Exception {
        List<LabelledDecision> pairs = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            pairs.add(pair("e-" + i, 1000L * i, i));
        }
        pairs.add(pair("e-0", 0, 99)); // its label came last: every window holding t = 0 has closed
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        SingleOutputStreamOperator<io.bayesvlm.avro.CalibrationReport> windowed = env.fromData(pairs)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<LabelledDecision>forGenerator(c -> new EveryPair())
                        .withTimestampAssigner((d, t) -> d.eventTime))
                .keyBy(d -> "m/1")
                .window(SlidingEventTimeWindows.of(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .sideOutputLateData(LateLabels.TAG)
                .process(new RollingCalibration(10));
        List<DeadLetter> dead = new ArrayList<>();
        windowed.getSideOutput(LateLabels.TAG)
                .map(new LateLabels(5000))
                .executeAndCollect()
                .forEachRemaining(dead::add);

        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.getEventId()).isEqualTo("e-0");
            assertThat(d.getErrorCode()).isEqualTo("LATE_LABEL");
            assertThat(d.getTopic()).isEqualTo("labels");
            assertThat(d.getPartition()).isEqualTo(1);
            assertThat(d.getOffset()).isEqualTo(99L);
            assertThat(d.getErrorMessage()).contains("calibration.max-label-delay");
        });
    }
}
