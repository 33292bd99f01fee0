package io.bayesvlm.deploy;

import java.util.List;

/**
 * The job's own metrics as Flink's Prometheus reporter names them: the names the cluster test scrapes, the
 * Grafana dashboard queries and deploy/README.md lists (tests keep the three in step).
 */
public final class JobMetrics {
    private JobMetrics() {}

    public static final String PREFIX = "flink_taskmanager_job_task_operator_";

    public static final List<String> NAMES = List.of(
                    "imagesPerSecond",
                    "batchSize",
                    "inferenceLatencyMs",
                    "reviewRate",
                    "decisions",
                    "reviewRequested",
                    "auditRequested",
                    "latestEce",
                    "latestMapEce",
                    "error_code_deadLetters",
                    "labelsJoined",
                    "joinExpired",
                    "driftWarning")
            .stream()
            .map(n -> PREFIX + n)
            .toList();

    /** Flink's own job metrics from the JobManager that the dashboard shows: failovers of the job. */
    public static final List<String> JOB_MANAGER_NAMES = List.of("flink_jobmanager_job_numRestarts");

    public static final List<String> ALL = java.util.stream.Stream.concat(NAMES.stream(), JOB_MANAGER_NAMES.stream())
            .toList();
}
