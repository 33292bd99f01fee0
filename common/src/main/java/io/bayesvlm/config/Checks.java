package io.bayesvlm.config;

import java.time.Duration;
import java.util.List;

/**
 * Range checks of option values, each failing with a message that names the option: the one set behind
 * {@link Options} (the review service, the demo) and the job's configuration (Flink's {@code ConfigOption}s).
 */
public final class Checks {

    private Checks() {}

    public static String nonBlank(String key, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(key + " must not be empty");
        }
        return v.strip();
    }

    public static String oneOf(String key, String v, List<String> allowed) {
        if (!allowed.contains(v)) {
            throw new IllegalArgumentException(key + " must be one of " + allowed + ", got '" + v + "'");
        }
        return v;
    }

    public static int atLeast(String key, int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", got " + v);
        }
        return v;
    }

    public static long atLeast(String key, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", got " + v);
        }
        return v;
    }

    public static double atLeast(String key, double v, double min) {
        if (!(v >= min) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be a number of at least " + min + ", got " + v);
        }
        return v;
    }

    /** -1 (the default: decided elsewhere) or a positive count. */
    public static int minusOneOrPositive(String key, int v) {
        if (v == 0 || v < -1) {
            throw new IllegalArgumentException(key + " must be -1 or positive, got " + v);
        }
        return v;
    }

    public static double positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be a positive number, got " + v);
        }
        return v;
    }

    public static double fraction(String key, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(key + " must be in [0, 1], got " + v);
        }
        return v;
    }

    public static double finite(String key, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(key + " must be a finite number, got " + v);
        }
        return v;
    }

    public static Duration positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }

    public static Duration nonNegative(String key, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, got " + d);
        }
        return d;
    }
}
