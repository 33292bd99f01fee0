package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.DriftReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.junit.jupiter.api.Test;

/**
 * The label-free drift check on windows that vary as real traffic does, starting in risk mode's review-everything
 * phase: no false warning from window-to-window variation or from the routing policy changing, and a real shift of
 * the model's confidence warns in every window.
 */
class DriftWarningWindowsTest {

    static final int N = 600;

    /** One window's accumulator: N decisions, confidence around {@code confidence} (item sd 0.1), review share. */
    static double[] window(Random rng, double confidence, double reviewShare) {
        double[] acc = new double[1 + 2 * DriftMoments.STATISTICS];
        acc[0] = N;
        for (int i = 0; i < N; i++) {
            double[] x = {
                confidence + 0.1 * rng.nextGaussian(),
                1 + 0.2 * rng.nextGaussian(),
                0.05 + 0.01 * rng.nextGaussian(),
                rng.nextDouble() < reviewShare ? 1 : 0
            };
            for (int k = 0; k < DriftMoments.STATISTICS; k++) {
                acc[1 + 2 * k] += x[k];
                acc[2 + 2 * k] += x[k] * x[k];
            }
        }
        return acc;
    }

    /** Sums the accumulators of a window (one per window here). */
    static final class Sum implements AggregateFunction<Tuple2<Long, double[]>, double[], double[]> {
        @Override
        public double[] createAccumulator() {
            return new double[1 + 2 * DriftMoments.STATISTICS];
        }

        @Override
        public double[] add(Tuple2<Long, double[]> value, double[] acc) {
            return new DriftMoments().merge(acc, value.f1);
        }

        @Override
        public double[] getResult(double[] acc) {
            return acc;
        }

        @Override
        public double[] merge(double[] a, double[] b) {
            return new DriftMoments().merge(a, b);
        }
    }

    @Test
    void ordinaryVariationAndARoutingChangeRaiseNoWarningARealShiftDoes() throws Exception {
        Random rng = new Random(5);
        double tau = 0.02; // window-to-window spread of the mean confidence: 5x the within-window standard error
        List<Tuple2<Long, double[]>> windows = new ArrayList<>();
        int w = 0;
        for (; w < 10; w++) { // the reference: risk mode's start, everything reviewed
            windows.add(Tuple2.of(60_000L * w, window(rng, 0.85 + tau * rng.nextGaussian(), 1.0)));
        }
        for (; w < 40; w++) { // a threshold is vouched for: 30% reviewed from now on; the inputs as before
            windows.add(Tuple2.of(60_000L * w, window(rng, 0.85 + tau * rng.nextGaussian(), 0.3)));
        }
        for (; w < 70; w++) { // the inputs drift: confidence down by 0.2 (10 tau), and stay there
            windows.add(Tuple2.of(60_000L * w, window(rng, 0.65 + tau * rng.nextGaussian(), 0.3)));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<DriftReport> reports = new ArrayList<>();
        env.fromData(windows)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Tuple2<Long, double[]>>forMonotonousTimestamps()
                        .withTimestampAssigner((t, ts) -> t.f0))
                .keyBy(t -> "m/1")
                .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                .aggregate(new Sum(), new DriftWarning(10, 5.0, 30))
                .executeAndCollect()
                .forEachRemaining(reports::add);

        assertThat(reports).hasSize(70);
        List<DriftReport> clean = reports.subList(10, 40);
        assertThat(clean).allSatisfy(r -> {
            assertThat(r.getReferenceWindows()).isEqualTo(10);
            assertThat(r.getWarning()).as(r.getReason()).isFalse();
            // the review share moved far (1.0 to 0.3), and is reported, but it describes the routing
            assertThat(Math.abs(r.getZReviewShare())).isGreaterThan(5);
        });
        DriftReport shift = reports.get(40);
        assertThat(shift.getWarning()).isTrue();
        assertThat(shift.getReason()).contains("confidence down");
        // the warning ends the reference: the next 10 windows, of what comes now, form a new one, and the new level
        // is no longer a warning (nor, before the new reference is complete, compared at all)
        assertThat(reports.subList(41, 51)).allSatisfy(r -> {
            assertThat(r.getWarning()).isFalse();
            assertThat(r.getReference()).isNull();
        });
        assertThat(reports.subList(51, 70)).allSatisfy(r -> {
            assertThat(r.getReferenceWindows()).isEqualTo(10);
            assertThat(r.getWarning()).as(r.getReason()).isFalse();
            assertThat(r.getReference().getMeanConfidence()).isLessThan(0.7);
        });
        // the plain two-sample z, the one the job used before, warns on ordinary variation here
        long plainFalse = clean.stream()
                .filter(r -> Math.abs((r.getWindow().getMeanConfidence()
                                        - r.getReference().getMeanConfidence())
                                / Math.sqrt(0.01 / N + 0.01 / (10.0 * N)))
                        > 5)
                .count();
        assertThat(plainFalse).isPositive();
    }
}
