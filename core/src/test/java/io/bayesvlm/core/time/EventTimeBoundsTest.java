package io.bayesvlm.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTimeBoundsTest {
    static final long NOW = Instant.parse("2026-12-03T12:00:00Z").toEpochMilli();
    final EventTimeBounds bounds = new EventTimeBounds(Duration.ofDays(7), Duration.ofMinutes(5));

    @Test
    void keepsEventTimesWithinTheBounds() {
        for (long t : new long[] {
            NOW,
            NOW - Duration.ofDays(7).toMillis(),
            NOW + Duration.ofMinutes(5).toMillis(),
            NOW - 1
        }) {
            assertThat(bounds.inRange(t, NOW)).isTrue();
            assertThat(bounds.clamp(t, NOW)).isEqualTo(t);
        }
    }

    @Test
    void movesHostileEventTimesToTheNearestBound() {
        long year9999 = Instant.parse("9999-12-31T23:59:59Z").toEpochMilli();
        long year1900 = Instant.parse("1900-01-01T00:00:00Z").toEpochMilli();
        long twoHoursAhead = NOW + Duration.ofHours(2).toMillis();
        for (long t : new long[] {year9999, twoHoursAhead, Long.MAX_VALUE}) {
            assertThat(bounds.inRange(t, NOW)).isFalse();
            assertThat(bounds.clamp(t, NOW))
                    .isEqualTo(NOW + Duration.ofMinutes(5).toMillis());
        }
        for (long t : new long[] {
            -1, year1900, Long.MIN_VALUE, NOW - Duration.ofDays(8).toMillis()
        }) {
            assertThat(bounds.inRange(t, NOW)).isFalse();
            assertThat(bounds.clamp(t, NOW)).isEqualTo(NOW - Duration.ofDays(7).toMillis());
        }
    }

    @Test
    void boundsBeyondTheEpochRangeSaturate() {
        EventTimeBounds wide =
                new EventTimeBounds(Duration.ofMillis(Long.MAX_VALUE), Duration.ofMillis(Long.MAX_VALUE));
        assertThat(wide.inRange(Instant.parse("1900-01-01T00:00:00Z").toEpochMilli(), NOW))
                .isTrue();
        assertThat(wide.inRange(Long.MAX_VALUE, NOW)).isTrue();
        assertThat(wide.clamp(-1, NOW)).isEqualTo(-1);
    }

    @Test
    void refusesNegativeBounds() {
        assertThatThrownBy(() -> new EventTimeBounds(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
