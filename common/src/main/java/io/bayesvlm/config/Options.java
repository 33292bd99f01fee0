package io.bayesvlm.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw {@code key: value} options (a file plus {@code --key value} overrides) and typed, validated reads of them,
 * for services without Flink's configuration classes. Every error names the option. Durations use Flink's syntax
 * ({@code 500 ms}, {@code 30 s}, {@code 5 min}, {@code 1 h}, {@code 1 d}; a bare number is milliseconds) so that
 * one config style serves the job and the review service.
 */
public final class Options {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([a-zµ]*)");

    private final Map<String, String> values;

    public Options(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /**
     * {@code --config FILE} ({@code key: value} or {@code key=value} lines, {@code #} comments) then {@code --key value}
     * or {@code --key=value} pairs, which win over the file.
     */
    public static Options parseArgs(String[] args) throws IOException {
        Map<String, String> overrides = new LinkedHashMap<>();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'; options are --key value");
            }
            String k = a.substring(2);
            String v;
            int eq = k.indexOf('=');
            if (eq >= 0) {
                v = k.substring(eq + 1);
                k = k.substring(0, eq);
            } else if (i + 1 < args.length) {
                v = args[++i];
            } else {
                throw new IllegalArgumentException("option --" + k + " needs a value");
            }
            if (k.equals("config")) {
                file = Path.of(v);
            } else {
                overrides.put(k, v);
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            values.putAll(readFile(file));
        }
        values.putAll(overrides);
        return new Options(values);
    }

    /** {@code key: value} or {@code key=value} lines; blank lines and {@code #} comments skipped; quotes removed. */
    public static Map<String, String> readFile(Path file) throws IOException {
        return readLines(Files.readAllLines(file), file.toString());
    }

    /** {@link #readFile}'s syntax for lines from elsewhere (a resource); {@code source} names them in errors. */
    public static Map<String, String> readLines(List<String> lines, String source) {
        Map<String, String> out = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int sep = t.indexOf(':');
            int eq = t.indexOf('=');
            int at = sep < 0 ? eq : eq < 0 ? sep : Math.min(sep, eq);
            if (at <= 0) {
                throw new IllegalArgumentException(source + ":" + n + ": expected 'key: value', got '" + t + "'");
            }
            String v = t.substring(at + 1).strip();
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                v = v.substring(1, v.length() - 1);
            }
            out.put(t.substring(0, at).strip(), v);
        }
        return out;
    }

    public Map<String, String> asMap() {
        return values;
    }

    /** Fails naming the first key that none of {@code known} is (a misspelled option must not be ignored). */
    public void requireKnown(List<String> known) {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "'");
            }
        }
    }

    public String string(String key, String fallback) {
        return values.getOrDefault(key, fallback).strip();
    }

    public String required(String key) {
        String v = string(key, "");
        if (v.isEmpty()) {
            throw new IllegalArgumentException(key + " is required");
        }
        return v;
    }

    public String oneOf(String key, String fallback, String... allowed) {
        return Checks.oneOf(key, string(key, fallback), List.of(allowed));
    }

    public boolean bool(String key, boolean fallback) {
        String v = string(key, Boolean.toString(fallback)).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
        };
    }

    public int intAtLeast(String key, int fallback, int min) {
        return (int) longAtLeast(key, fallback, min, Integer.MAX_VALUE);
    }

    public long longAtLeast(String key, long fallback, long min) {
        return longAtLeast(key, fallback, min, Long.MAX_VALUE);
    }

    private long longAtLeast(String key, long fallback, long min, long max) {
        String v = string(key, Long.toString(fallback));
        long i;
        try {
            i = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
        if (i > max) {
            throw new IllegalArgumentException(key + " must be at most " + max + ", got " + i);
        }
        return Checks.atLeast(key, i, min);
    }

    /** A number (NaN and infinities refused); range checks with {@link Checks}. */
    public double number(String key, double fallback) {
        String v = string(key, Double.toString(fallback));
        try {
            return Checks.finite(key, Double.parseDouble(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
        }
    }

    public Duration positiveDuration(String key, Duration fallback) {
        String raw = values.get(key);
        Duration d;
        try {
            d = raw == null ? fallback : parseDuration(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
        return Checks.positive(key, d);
    }

    /** Flink's duration syntax: a number and an optional unit (ms when none). */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (use e.g. 500 ms, 30 s, 5 min, 1 h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "", "ms", "milli", "millis", "millisecond", "milliseconds" -> Duration.ofMillis(n);
            case "s", "sec", "secs", "second", "seconds" -> Duration.ofSeconds(n);
            case "m", "min", "mins", "minute", "minutes" -> Duration.ofMinutes(n);
            case "h", "hour", "hours" -> Duration.ofHours(n);
            case "d", "day", "days" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("unknown time unit '" + m.group(2) + "' in '" + text + "'");
        };
    }

    /** The value, or the environment variable's when the value is empty (secrets stay out of config files). */
    public String orEnv(String key, String variable) {
        String v = string(key, "");
        if (!v.isEmpty()) {
            return v;
        }
        String env = System.getenv(variable);
        return env == null ? "" : env;
    }
}
