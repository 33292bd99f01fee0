package io.bayesvlm.flink;

import io.bayesvlm.config.Checks;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/** Typed reads of the job's Flink options with the project's range checks ({@link Checks}); errors name the option. */
final class OptionReads {

    private OptionReads() {}

    static <T> T get(Configuration c, ConfigOption<T> o) {
        try {
            return c.get(o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(o.key() + ": " + e.getMessage(), e);
        }
    }

    static String nonBlank(Configuration c, ConfigOption<String> o) {
        return Checks.nonBlank(o.key(), get(c, o));
    }

    static void oneOf(ConfigOption<String> o, String v, String... allowed) {
        Checks.oneOf(o.key(), v, List.of(allowed));
    }

    static int atLeast(Configuration c, ConfigOption<Integer> o, int min) {
        return Checks.atLeast(o.key(), get(c, o), min);
    }

    static int minusOneOrPositive(Configuration c, ConfigOption<Integer> o) {
        return Checks.minusOneOrPositive(o.key(), get(c, o));
    }

    static double positiveDouble(Configuration c, ConfigOption<Double> o) {
        return Checks.positive(o.key(), get(c, o));
    }

    static long atLeastLong(Configuration c, ConfigOption<Long> o, long min) {
        return Checks.atLeast(o.key(), get(c, o), min);
    }

    static double fraction(Configuration c, ConfigOption<Double> o) {
        return Checks.fraction(o.key(), get(c, o));
    }

    static double finite(Configuration c, ConfigOption<Double> o) {
        return Checks.finite(o.key(), get(c, o));
    }

    static Duration positive(Configuration c, ConfigOption<Duration> o) {
        return Checks.positive(o.key(), get(c, o));
    }

    static Duration nonNegative(Configuration c, ConfigOption<Duration> o) {
        return Checks.nonNegative(o.key(), get(c, o));
    }
}
