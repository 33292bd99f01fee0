package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.common.ModelKey;
import io.bayesvlm.core.metrics.Calibration;
import io.bayesvlm.flink.records.LabelledDecision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sliding event-time windows of labelled decisions on a MiniCluster: one report per window, matching the items in it. */
class CalibrationWindowsTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(new org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @Test
    void oneReportPerSlidingWindowComputedFromItsItems() throws Exception {
        Random rng = new Random(2);
        List<LabelledDecision> items = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            LabelledDecision d = new LabelledDecision();
            d.eventId = "e" + i;
            d.eventTime = 1000L * i; // 0 .. 299 s
            d.modelName = "m";
            d.modelVersion = "1";
            double c = 0.4 + 0.6 * rng.nextDouble();
            d.probs = new double[] {c, 1 - c};
            d.mapProbs = new double[] {Math.min(1, c + 0.1), Math.max(0, 0.9 - c)};
            d.label = rng.nextDouble() < c ? 0 : 1;
            // the design: review below 0.6 (propensity 1), a 20% audit above; the AUTO ones carry ground truth
            d.routing = c < 0.6 ? "REVIEW" : i % 5 == 0 ? "AUDIT" : "AUTO";
            d.labelSource =
                    d.routing.equals("AUDIT") ? "AUDIT" : d.routing.equals("REVIEW") ? "REVIEWER" : "GROUND_TRUTH";
            d.labelPropensity = d.routing.equals("REVIEW") ? 1 : 0.2;
            items.add(d);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<CalibrationReport> reports = new ArrayList<>();
        env.fromData(items)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<LabelledDecision>forMonotonousTimestamps()
                        .withTimestampAssigner((d, t) -> d.eventTime))
                .keyBy(d -> ModelKey.of(d.modelName, d.modelVersion))
                .window(SlidingEventTimeWindows.of(Duration.ofSeconds(100), Duration.ofSeconds(50)))
                .process(new RollingCalibration(10))
                .executeAndCollect()
                .forEachRemaining(reports::add);

        // Windows end at 50, 100, ..., 350 s: 7 windows.
        assertThat(reports).hasSize(7);
        for (CalibrationReport r : reports) {
            long start = r.getWindowStart().toEpochMilli();
            long end = r.getWindowEnd().toEpochMilli();
            List<LabelledDecision> in = items.stream()
                    .filter(d -> d.eventTime >= start && d.eventTime < end)
                    .toList();
            int[] y = in.stream().mapToInt(d -> d.label).toArray();
            Calibration.Report bayes =
                    Calibration.evaluate(in.stream().map(d -> d.probs).toList(), y, 10);
            assertThat(r.getLabelled()).isEqualTo(in.size());
            assertThat(r.getBayes().getEce()).isCloseTo(bayes.ece(), within(1e-12));
            assertThat(r.getReviewed())
                    .isEqualTo(
                            in.stream().filter(d -> d.routing.equals("REVIEW")).count());
            assertThat(r.getAudited())
                    .isEqualTo(in.stream()
                            .filter(d -> d.labelSource.equals("AUDIT"))
                            .count());
            assertThat(r.getBayes().getBins()).hasSize(10);

            // population estimates: only the design's labels, each weighted by 1/propensity
            List<LabelledDecision> design =
                    in.stream().filter(d -> !d.routing.equals("AUTO")).toList();
            io.bayesvlm.core.metrics.WeightedCalibration.Report w =
                    io.bayesvlm.core.metrics.WeightedCalibration.evaluate(
                            design.stream().map(d -> d.probs).toList(),
                            design.stream().mapToInt(d -> d.label).toArray(),
                            design.stream().mapToDouble(d -> d.labelPropensity).toArray(),
                            0,
                            10,
                            CalibrationReports.BOOTSTRAP,
                            end);
            assertThat(r.getPopulation().getLabels()).isEqualTo(design.size());
            assertThat(r.getPopulation().getEstimatedDecisions()).isCloseTo(w.population(), within(1e-9));
            assertThat(r.getPopulation().getBayes().getAccuracy())
                    .isCloseTo(w.accuracy().value(), within(1e-12));
            assertThat(r.getPopulation().getBayes().getEce()).isCloseTo(w.ece().value(), within(1e-12));
            assertThat(r.getPopulation().getBayes().getEceUpper())
                    .isCloseTo(w.ece().upper(), within(1e-12));
            assertThat(r.getPopulation().getBayes().getBins()).hasSize(10);
        }
    }
}
