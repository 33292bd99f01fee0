package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.flink.kafka.OutputSizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink's own keys given to the job reach the environment it runs in, family by family (the job graph's configuration
 * is what the JobManager acts on), and the job's defaults (restart strategy, checkpoint timeout, retention) hold
 * where the user said nothing.
 */
class FlinkKeysTest {

    static JobConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(extra);
        m.put("model.dir", ItConfig.ROOT.resolve("models/fashion-clip").toString());
        return JobConfig.from(Configuration.fromMap(m));
    }

    /** The configuration of the job graph built from {@code config}: what the JobManager runs the job with. */
    static Configuration jobGraphConfiguration(JobConfig config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(config));
        FlinkSettings.configure(env, config);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(config, true), KafkaEndpoints.sinks(config), config);
        StreamGraph graph = env.getStreamGraph();
        return graph.getJobGraph(FlinkKeysTest.class.getClassLoader(), new JobID())
                .getJobConfiguration();
    }

    @Test
    void withoutRestartKeysTheJobRestartsAtMostAFewTimesThenFails() {
        JobConfig c = config(Map.of());
        assertThat(c.flinkOptions()).isEmpty();
        Configuration job = jobGraphConfiguration(c);
        assertThat(job.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("failure-rate");
        assertThat(job.get(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL))
                .isEqualTo(3);
        assertThat(job.toMap())
                .containsEntry("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    }

    @Test
    void eachFamilyOfFlinkKeysReachesTheJob() {
        Map<String, String> keys = Map.of(
                "restart-strategy.type", "fixed-delay",
                "restart-strategy.fixed-delay.attempts", "7",
                "execution.checkpointing.tolerable-failed-checkpoints", "4",
                "execution.checkpointing.max-concurrent-checkpoints", "1",
                "state.backend.type", "rocksdb",
                "execution.state-recovery.path", "file:///tmp/somewhere/chk-5",
                "pipeline.max-parallelism", "64");
        JobConfig c = config(keys);
        assertThat(c.flinkOptions()).containsAllEntriesOf(keys);
        Configuration job = jobGraphConfiguration(c);
        assertThat(job.toMap())
                .containsAllEntriesOf(Map.of(
                        "restart-strategy.type",
                        "fixed-delay",
                        "restart-strategy.fixed-delay.attempts",
                        "7",
                        "state.backend.type",
                        "rocksdb"));
        assertThat(job.toMap().get("execution.checkpointing.tolerable-failed-checkpoints"))
                .isEqualTo("4");
        Configuration flink = FlinkSettings.of(c);
        assertThat(SavepointRestoreSettings.fromConfiguration(flink).getRestorePath())
                .isEqualTo("file:///tmp/somewhere/chk-5");
        // The job's own options become Flink keys too; a Flink key given explicitly wins over them.
        assertThat(flink.toMap())
                .containsEntry(
                        "execution.checkpointing.timeout", Duration.ofMinutes(5).toMillis() + " ms");
        JobConfig overridden = config(Map.of("execution.checkpointing.timeout", "42 s"));
        assertThat(FlinkSettings.of(overridden).toMap()).containsEntry("execution.checkpointing.timeout", "42 s");
    }

    @Test
    void theLocalClusterBindsToLoopbackUnlessTold(@TempDir Path tmp) {
        Configuration local = JobLauncher.clusterConfiguration(config(Map.of()), tmp);
        assertThat(local.toMap())
                .containsEntry("rest.bind-address", "127.0.0.1")
                .containsEntry("jobmanager.bind-host", "127.0.0.1")
                .containsEntry("taskmanager.bind-host", "127.0.0.1")
                .containsEntry("io.tmp.dirs", tmp.toString());
        Configuration told = JobLauncher.clusterConfiguration(
                config(Map.of("rest.bind-address", "0.0.0.0", "rest.port", "19081", "blob.server.port", "19082")), tmp);
        assertThat(told.toMap())
                .containsEntry("rest.bind-address", "0.0.0.0")
                .containsEntry("rest.port", "19081")
                .containsEntry("blob.server.port", "19082");
    }

    @Test
    void theTransactionTimeoutFollowsTheCheckpointTimeout() {
        // max(interval, timeout) + timeout + 1 min
        assertThat(config(Map.of()).transactionTimeout()).isEqualTo(Duration.ofMinutes(11));
        assertThat(config(Map.of("checkpoint.timeout", "1 min", "checkpoint.interval", "5 s"))
                        .transactionTimeout())
                .isEqualTo(Duration.ofMinutes(3));
        assertThat(config(Map.of("checkpoint.timeout", "10 s", "checkpoint.interval", "1 min"))
                        .transactionTimeout())
                .isEqualTo(Duration.ofSeconds(130));
        // A transaction must outlive the slowest checkpoint that may still commit it.
        assertThatThrownBy(() -> config(Map.of("kafka.transaction-timeout", "10 min")))
                .hasMessageContaining("kafka.transaction-timeout")
                .hasMessageContaining("checkpoint.timeout");
        assertThat(config(Map.of("kafka.transaction-timeout", "12 min")).transactionTimeout())
                .isEqualTo(Duration.ofMinutes(12));
    }

    @Test
    void aConfigurationUnderWhichAnOutputCouldNotBeWrittenIsRefused() throws Exception {
        ModelSpec spec = ModelSpec.load(ItConfig.ROOT.resolve("models/fashion-clip"));
        OutputSizes.check(config(Map.of()), spec); // the defaults fit
        assertThatThrownBy(() -> OutputSizes.check(
                        config(Map.of("review.inline-image-max-bytes", "2000000", "images.max-bytes", "4000000")),
                        spec))
                .hasMessageContaining("review requests")
                .hasMessageContaining("review.inline-image-max-bytes")
                .hasMessageContaining("kafka.max-request-size");
        assertThatThrownBy(() -> OutputSizes.check(config(Map.of("dead-letters.max-value-bytes", "600000")), spec))
                .hasMessageContaining("dead letters")
                .hasMessageContaining("dead-letters.max-value-bytes");
        // A larger request size (with topics to match) admits them.
        OutputSizes.check(
                config(Map.of(
                        "review.inline-image-max-bytes",
                        "2000000",
                        "images.max-bytes",
                        "4000000",
                        "kafka.max-request-size",
                        "4194304")),
                spec);
    }

    @Test
    void theWorstCaseBoundsRealEncodings() throws Exception {
        // The worst case of a decision lies above a real decision's encoding with the longest ids accepted.
        ModelSpec spec = ModelSpec.load(ItConfig.ROOT.resolve("models/fashion-clip"));
        long decisionBound = OutputSizes.worstCases(config(Map.of()), spec).stream()
                .filter(s -> s.output().equals("decisions"))
                .findFirst()
                .orElseThrow()
                .bytes();
        io.bayesvlm.avro.Decision d =
                io.bayesvlm.flink.operators.TestRecords.decision("\u4e00".repeat(512), 0, 0.2, 0.3, 0.5);
        long real = new io.bayesvlm.serde.AvroCodec<>(io.bayesvlm.avro.Decision.class).encode(d).length;
        assertThat(decisionBound).isGreaterThan(real);
    }
}
