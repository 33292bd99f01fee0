package io.bayesvlm.flink;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a job's failovers into readable lines: each distinct root cause once, in one line (the exception class and
 * message of the innermost cause, which names the record's coordinates where an operator put them there); a cause
 * seen before is only counted. Flink itself logs restarts at INFO with a page of stack trace per restart.
 */
public final class FailureLog {

    private final Map<String, Integer> seen = new LinkedHashMap<>();
    private int failures;

    /** The line to print for this failure, or null when its cause was already reported. */
    public String record(Throwable failure) {
        failures++;
        String cause = rootCause(failure);
        int n = seen.merge(cause, 1, Integer::sum);
        return n == 1 ? "failover " + failures + ": " + cause : null;
    }

    public int failures() {
        return failures;
    }

    /** Each distinct cause with how often it was seen. */
    public Map<String, Integer> causes() {
        return Map.copyOf(seen);
    }

    /** The innermost cause as one line: its class (the original one, for Flink's serialised throwables) and message. */
    public static String rootCause(Throwable t) {
        Throwable root = t;
        int depth = 0;
        while (root.getCause() != null && root.getCause() != root && depth++ < 64) {
            root = root.getCause();
        }
        String type = root instanceof org.apache.flink.util.SerializedThrowable s
                ? s.getOriginalErrorClassName()
                : root.getClass().getName();
        String message = root.getMessage() == null ? "" : root.getMessage().strip();
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        if (root instanceof org.apache.flink.util.SerializedThrowable && message.startsWith(type + ": ")) {
            message = message.substring(type.length() + 2);
        }
        return message.isEmpty() ? type : type + ": " + message;
    }
}
