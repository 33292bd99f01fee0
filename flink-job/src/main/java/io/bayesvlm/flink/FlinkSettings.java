package io.bayesvlm.flink;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink side of the configuration: which of Flink's own keys the job accepts and forwards as given, and the
 * Flink configuration the job runs with (checkpointing, state backend, restart strategy, then the user's keys).
 */
public final class FlinkSettings {

    private FlinkSettings() {}

    /**
     * Checkpointing (exactly-once output is committed at each checkpoint), state backend, parallelism, the restart
     * strategy, and every Flink key given to the job ({@link JobConfig#flinkOptions()}), which win over the defaults here.
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        env.configure(of(config));
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
    }

    /** The Flink configuration the job runs with: the job's own settings as Flink keys, then the user's Flink keys. */
    public static Configuration of(JobConfig config) {
        Configuration c = new Configuration();
        c.setString(
                "execution.checkpointing.interval", config.checkpointInterval().toMillis() + " ms");
        c.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        c.setString(
                "execution.checkpointing.timeout", config.checkpointTimeout().toMillis() + " ms");
        // A checkpoint survives the job's cancellation (and a kill -9): bin/bayesvlm job resumes from the latest one.
        c.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        if (!config.checkpointDir().isEmpty()) {
            c.setString("execution.checkpointing.storage", "filesystem");
            c.setString("execution.checkpointing.dir", config.checkpointDir());
        }
        if (!config.stateBackend().isEmpty()) {
            c.setString("state.backend.type", config.stateBackend());
        }
        if (config.flinkOptions().keySet().stream().noneMatch(k -> k.startsWith("restart-strategy"))) {
            // Never an endless restart loop: a failure that keeps coming back fails the job, loudly, after a few tries.
            c.setString("restart-strategy.type", "failure-rate");
            c.setString(
                    "restart-strategy.failure-rate.max-failures-per-interval", String.valueOf(RESTARTS_PER_INTERVAL));
            c.setString("restart-strategy.failure-rate.failure-rate-interval", RESTART_INTERVAL.toMillis() + " ms");
            c.setString("restart-strategy.failure-rate.delay", RESTART_DELAY.toMillis() + " ms");
        }
        config.flinkOptions().forEach(c::setString);
        return c;
    }

    /** The default restart strategy: at most this many failures within {@link #RESTART_INTERVAL}, then the job fails. */
    static final int RESTARTS_PER_INTERVAL = 3;

    static final java.time.Duration RESTART_INTERVAL = java.time.Duration.ofMinutes(10);
    static final java.time.Duration RESTART_DELAY = java.time.Duration.ofSeconds(10);

    /** Flink's own keys, passed to the environment (and, for bin/bayesvlm job, to its local cluster) as given. */
    static Map<String, String> forwarded(Configuration c) {
        Set<String> jobKeys = JobOptions.ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        Map<String, String> flink = new java.util.TreeMap<>();
        c.toMap().forEach((k, v) -> {
            if (isFlinkKey(k) && !jobKeys.contains(k)) {
                flink.put(k, v);
            }
        });
        return java.util.Collections.unmodifiableMap(flink);
    }

    /** Key families of Flink's own configuration that the job accepts and forwards. */
    static final List<String> KEY_PREFIXES = List.of(
            "execution.",
            "state.",
            "taskmanager.",
            "jobmanager.",
            "rest.",
            "blob.",
            "pipeline.",
            "external-resource",
            "restart-strategy.",
            "classloader.",
            "metrics.",
            "io.tmp.dirs",
            "parallelism.default",
            "heartbeat.",
            "akka.",
            "pekko.",
            "high-availability");

    static boolean isFlinkKey(String k) {
        return KEY_PREFIXES.stream().anyMatch(k::startsWith);
    }
}
