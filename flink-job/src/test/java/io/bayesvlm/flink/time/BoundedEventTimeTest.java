package io.bayesvlm.flink.time;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.time.EventTimeBounds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class BoundedEventTimeTest {
    final EventTimeBounds bounds = new EventTimeBounds(Duration.ofDays(7), Duration.ofMinutes(5));

    /** Collects what a generator emits. */
    static final class Out implements WatermarkOutput {
        final List<Long> marks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark w) {
            marks.add(w.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    }

    @Test
    void anOutOfRangeEventMovesNoWatermark() {
        long now = System.currentTimeMillis();
        BoundedEventTime.Generator<Long> g = new BoundedEventTime.Generator<>(t -> t, bounds, 1000);
        Out out = new Out();
        g.onEvent(now - 10_000, now - 10_000, out);
        g.onPeriodicEmit(out);
        long year9999 = 253_402_300_799_000L;
        // its timestamp for windows is the clamp, but the watermark stays where the in-range events put it
        g.onEvent(year9999, bounds.clamp(year9999, now), out);
        g.onEvent(-1L, bounds.clamp(-1L, now), out);
        g.onPeriodicEmit(out);
        assertThat(out.marks).containsExactly(now - 10_000 - 1000 - 1, now - 10_000 - 1000 - 1);
        g.onEvent(now, now, out);
        g.onPeriodicEmit(out);
        assertThat(out.marks.get(2)).isEqualTo(now - 1000 - 1);
    }

    @Test
    void theAssignedTimestampIsTheClamp() {
        var strategy = BoundedEventTime.<Long>watermarks(t -> t, bounds, Duration.ofSeconds(1), Duration.ofSeconds(30));
        var assigner = strategy.createTimestampAssigner(null);
        long now = System.currentTimeMillis();
        assertThat(assigner.extractTimestamp(now - 1000, 0)).isEqualTo(now - 1000);
        assertThat(assigner.extractTimestamp(253_402_300_799_000L, 0))
                .isBetween(now, now + Duration.ofMinutes(6).toMillis());
        assertThat(assigner.extractTimestamp(-1L, 0))
                .isBetween(
                        now - Duration.ofDays(7).toMillis() - 60_000,
                        now - Duration.ofDays(7).toMillis() + 60_000);
    }
}
