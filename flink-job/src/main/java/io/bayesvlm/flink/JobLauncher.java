package io.bayesvlm.flink;

import io.bayesvlm.flink.kafka.KafkaEndpoints;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * {@code bin/bayesvlm job}: the moderation job on a local MiniCluster built from the job's configuration (every Flink
 * key given reaches it). It prints the REST address, listens on 127.0.0.1 unless configured otherwise, resumes from
 * the latest retained checkpoint of the same job (same {@code kafka.transactional-id-prefix} and {@code
 * checkpoint.dir}), reports each distinct failure cause once, and exits 1 with the root cause in one line when the
 * restart strategy gives up. A startup problem is one line on stderr and exit status 2. (On a cluster, {@link
 * ModerationJob#main} is the entry point and never exits the JVM.)
 */
public final class JobLauncher {
    private JobLauncher() {}

    /** Where checkpoints go when {@code checkpoint.dir} is not given: resumable after a crash, next to the caller. */
    static final String DEFAULT_CHECKPOINT_DIR = ".bayesvlm/checkpoints";

    public static void main(String[] args) throws Exception {
        JobConfig config;
        try {
            config = JobPreflight.prepare(withDefaultCheckpointDir(args));
        } catch (JobPreflight.StartupException e) {
            System.err.println("bayesvlm job: " + e.getMessage());
            System.exit(2);
            return;
        }
        int status = run(config);
        finished = true; // the shutdown hook below has nothing to announce
        System.exit(status);
    }

    /** Runs the job until it ends; the exit status: 0 finished or cancelled, 1 failed for good. */
    static int run(JobConfig config) throws Exception {
        removeAbandonedTempDirs();
        Path tmp = Files.createTempDirectory(TEMP_PREFIX);
        Files.writeString(
                tmp.resolve(OWNER), String.valueOf(ProcessHandle.current().pid()));
        Configuration flink = clusterConfiguration(config, tmp);
        JobID jobId = jobId(config);
        Optional<String> resume = resumePath(config, flink, jobId);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(flink)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots(config))
                .build());
        Thread cleanup = new Thread(
                () -> {
                    stopping = true;
                    if (!finished) {
                        System.err.println("bayesvlm job: stopping; the next start resumes from the latest checkpoint");
                    }
                    cluster.closeAsync().join();
                    deleteRecursively(tmp);
                },
                "bayesvlm-job-shutdown");
        Runtime.getRuntime().addShutdownHook(cleanup);
        cluster.start();
        URI rest = cluster.getRestAddress().get();
        System.err.println("bayesvlm job: Flink REST API and web UI at " + rest + ", job id " + jobId);
        resume.ifPresentOrElse(
                p -> System.err.println("bayesvlm job: resuming from " + p),
                () -> System.err.println("bayesvlm job: starting fresh (no retained checkpoint of this job)"));
        System.err.println("bayesvlm job: reading " + config.topics().images() + " and "
                + config.topics().labels()
                + " at " + config.bootstrapServers() + ", model " + config.modelDir() + ", checkpoints every "
                + config.checkpointInterval().toMillis() + " ms to " + config.checkpointDir());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        FlinkSettings.configure(env, config);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(config, false), KafkaEndpoints.sinks(config), config);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("bayesvlm-moderation");
        graph.setJobId(jobId);
        graph.setSavepointRestoreSettings(SavepointRestoreSettings.fromConfiguration(flink));
        cluster.submitJob(graph).get();
        return watch(cluster, jobId);
    }

    static final String TEMP_PREFIX = "bayesvlm-job-";
    /** The file in a run's temporary directory that names the process owning it. */
    static final String OWNER = "owner.pid";

    /**
     * A run that was killed (kill -9, a power cut) could not delete its temporary directory (Flink's MiniCluster
     * files and a 21 MB RPC jar): the next run removes every one whose owning process is gone.
     */
    static void removeAbandonedTempDirs() {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(base)) {
            dirs.filter(d ->
                            d.getFileName().toString().startsWith(TEMP_PREFIX) && Files.isRegularFile(d.resolve(OWNER)))
                    .filter(d -> {
                        try {
                            long pid = Long.parseLong(
                                    Files.readString(d.resolve(OWNER)).strip());
                            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
                        } catch (IOException | NumberFormatException e) {
                            return false;
                        }
                    })
                    .forEach(JobLauncher::deleteRecursively);
        } catch (IOException e) {
            // best effort
        }
    }

    /** Set by the shutdown hook (Ctrl-C, SIGTERM): the cluster is going away, nothing to report. */
    private static volatile boolean stopping;
    /** Set when the job has ended on its own (finished, cancelled, failed for good). */
    private static volatile boolean finished;

    /** Polls the job: prints each new failure cause once, and the end. */
    static int watch(MiniCluster cluster, JobID jobId) throws Exception {
        try {
            return poll(cluster, jobId);
        } catch (Exception e) {
            if (stopping) {
                Thread.currentThread().join(); // the shutdown hook ends the JVM
            }
            throw e;
        }
    }

    private static int poll(MiniCluster cluster, JobID jobId) throws Exception {
        FailureLog failures = new FailureLog();
        long lastFailure = -1;
        while (true) {
            JobStatus status = cluster.getJobStatus(jobId).get();
            if (status.isGloballyTerminalState()) {
                JobResult result = cluster.requestJobResult(jobId).get();
                if (status == JobStatus.FAILED) {
                    String cause = result.getSerializedThrowable()
                            .map(FailureLog::rootCause)
                            .orElse("unknown cause");
                    System.err.println("bayesvlm job: FAILED after " + failures.failures() + " failover(s); the restart"
                            + " strategy gave up. Root cause: " + cause);
                    return 1;
                }
                System.err.println("bayesvlm job: " + status);
                return 0;
            }
            ErrorInfo failure = cluster.getExecutionGraph(jobId).get().getFailureInfo();
            if (failure != null && failure.getTimestamp() != lastFailure) {
                lastFailure = failure.getTimestamp();
                String line = failures.record(failure.getException());
                System.err.println(
                        line != null
                                ? "bayesvlm job: " + line
                                : "bayesvlm job: failover " + failures.failures() + " (a cause reported above)");
            }
            Thread.sleep(1000);
        }
    }

    /**
     * The local cluster's configuration: loopback binds and a per-run temporary directory (deleted at exit) unless
     * given, then the job's Flink configuration with every Flink key the user passed.
     */
    static Configuration clusterConfiguration(JobConfig config, Path tmp) {
        Configuration c = new Configuration();
        c.setString("rest.bind-address", "127.0.0.1");
        c.setString("rest.address", "127.0.0.1");
        c.setString("rest.port", "0");
        c.setString("jobmanager.bind-host", "127.0.0.1"); // the blob server follows it
        c.setString("jobmanager.rpc.address", "127.0.0.1");
        c.setString("taskmanager.bind-host", "127.0.0.1");
        c.setString("taskmanager.host", "127.0.0.1");
        c.setString("io.tmp.dirs", tmp.toString());
        // A local MiniCluster would default to one subtask per core; one is the predictable local default.
        c.setString("parallelism.default", "1");
        c.addAll(FlinkSettings.of(config));
        return c;
    }

    static int slots(JobConfig config) {
        return Math.max(Math.max(config.parallelism(), config.inferenceParallelism()), 1);
    }

    /** One job id per transactional-id prefix: its checkpoints stay in one place across runs, to resume from. */
    static JobID jobId(JobConfig config) {
        UUID u = UUID.nameUUIDFromBytes(
                ("bayesvlm-job/" + config.transactionalIdPrefix()).getBytes(StandardCharsets.UTF_8));
        return new JobID(u.getMostSignificantBits(), u.getLeastSignificantBits());
    }

    /**
     * Where the run resumes from: {@code execution.state-recovery.path} if given, else the latest complete checkpoint
     * of this job id under {@code checkpoint.dir} (set into {@code flink}), else nothing.
     */
    static Optional<String> resumePath(JobConfig config, Configuration flink, JobID jobId) throws IOException {
        String given = flink.toMap().get("execution.state-recovery.path");
        if (given != null && !given.isBlank()) {
            return Optional.of(given);
        }
        if (config.checkpointDir().isEmpty()) {
            return Optional.empty();
        }
        URI dir = URI.create(asUri(config.checkpointDir()));
        if (!"file".equals(dir.getScheme())) {
            // An object store or HDFS cannot be listed from here: resuming is then the user's, by path.
            System.err.println("bayesvlm job: checkpoint.dir " + dir + " is not a local directory; to resume, pass"
                    + " --execution.state-recovery.path with the checkpoint to resume from");
            return Optional.empty();
        }
        Optional<Path> latest = latestCheckpoint(Path.of(dir).resolve(jobId.toString()));
        latest.ifPresent(
                p -> flink.setString("execution.state-recovery.path", p.toUri().toString()));
        return latest.map(p -> p.toUri().toString());
    }

    /** The highest-numbered {@code chk-N} under {@code dir} that has its {@code _metadata} (complete). */
    static Optional<Path> latestCheckpoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("chk-\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve("_metadata")))
                    .max(Comparator.comparingLong(
                            p -> Long.parseLong(p.getFileName().toString().substring(4))));
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }

    private static String asUri(String dir) {
        return dir.contains("://") ? dir : Path.of(dir).toAbsolutePath().toUri().toString();
    }

    /** {@code checkpoint.dir} defaults to {@link #DEFAULT_CHECKPOINT_DIR} here, so a crashed run can resume. */
    static String[] withDefaultCheckpointDir(String[] args) throws IOException {
        var options = io.bayesvlm.config.Options.parseArgs(args);
        String dir = options.asMap().get(JobOptions.CHECKPOINT_DIR.key());
        if (dir != null && !dir.isBlank()) {
            return args;
        }
        String[] more = java.util.Arrays.copyOf(args, args.length + 2);
        more[args.length] = "--" + JobOptions.CHECKPOINT_DIR.key();
        more[args.length + 1] =
                Path.of(DEFAULT_CHECKPOINT_DIR).toAbsolutePath().toUri().toString();
        return more;
    }
}
