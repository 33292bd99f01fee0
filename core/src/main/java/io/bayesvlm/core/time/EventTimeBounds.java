package io.bayesvlm.core.time;

import java.io.Serializable;
import java.time.Duration;

/**
 * The event times the job trusts: {@code [now - maxPast, now + maxFuture]} by the wall clock. An event outside it (a
 * producer's bad clock, a default of -1, year 9999) is still decided, but its windows see the nearest bound instead
 * and it never moves a watermark, so one record cannot make every later event late (or a window from 1900 fire).
 */
public record EventTimeBounds(Duration maxPast, Duration maxFuture) implements Serializable {

    public EventTimeBounds {
        if (maxPast.isNegative() || maxFuture.isNegative()) {
            throw new IllegalArgumentException("event-time bounds must not be negative: " + maxPast + ", " + maxFuture);
        }
    }

    /** Whether {@code eventTime} lies within the bounds at wall-clock time {@code now} (both epoch ms). */
    public boolean inRange(long eventTime, long now) {
        return eventTime >= lower(now) && eventTime <= upper(now);
    }

    /** The event time moved to the nearest bound when it lies outside them. */
    public long clamp(long eventTime, long now) {
        return Math.max(lower(now), Math.min(upper(now), eventTime));
    }

    private long lower(long now) {
        return saturatedSubtract(now, maxPast.toMillis());
    }

    private long upper(long now) {
        return saturatedAdd(now, maxFuture.toMillis());
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static long saturatedSubtract(long a, long b) {
        long r = a - b;
        return ((a ^ b) & (a ^ r)) < 0 ? Long.MIN_VALUE : r;
    }
}
