package io.bayesvlm.flink.time;

import io.bayesvlm.core.time.EventTimeBounds;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Event-time timestamps and bounded-out-of-orderness watermarks that no single record can break: an event time
 * outside {@link EventTimeBounds} (by the wall clock) is clamped to the nearest bound for its windows and does not
 * move the watermark. One event from year 9999 therefore cannot make every later event late, and one from 1900 cannot
 * open a window that fires at once. Every event keeps its own event time in its records; only windows see the clamp.
 */
public final class BoundedEventTime {

    private BoundedEventTime() {}

    /** The strategy for a stream whose event time {@code eventTime} reads (epoch ms). */
    public static <T> WatermarkStrategy<T> watermarks(
            SerializableFunction<T, Long> eventTime,
            EventTimeBounds bounds,
            Duration outOfOrderness,
            Duration idleness) {
        WatermarkStrategy<T> strategy = WatermarkStrategy.<T>forGenerator((WatermarkGeneratorSupplier<T>)
                        ctx -> new Generator<>(eventTime, bounds, outOfOrderness.toMillis()))
                .withTimestampAssigner((TimestampAssignerSupplier<T>) ctx ->
                        (TimestampAssigner<T>) (e, ts) -> bounds.clamp(eventTime.apply(e), System.currentTimeMillis()));
        return strategy.withIdleness(idleness);
    }

    /** Bounded out-of-orderness over the in-range events only. */
    static final class Generator<T> implements WatermarkGenerator<T> {
        private final SerializableFunction<T, Long> eventTime;
        private final EventTimeBounds bounds;
        private final long outOfOrderness;
        private long maxTimestamp;

        Generator(SerializableFunction<T, Long> eventTime, EventTimeBounds bounds, long outOfOrderness) {
            this.eventTime = eventTime;
            this.bounds = bounds;
            this.outOfOrderness = outOfOrderness;
            this.maxTimestamp = Long.MIN_VALUE + outOfOrderness + 1;
        }

        @Override
        public void onEvent(T event, long timestamp, WatermarkOutput output) {
            if (bounds.inRange(eventTime.apply(event), System.currentTimeMillis())) {
                maxTimestamp = Math.max(maxTimestamp, timestamp);
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(maxTimestamp - outOfOrderness - 1));
        }
    }
}
