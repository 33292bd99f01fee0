package io.bayesvlm.flink;

import io.bayesvlm.embedded.TestKafka;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/** The integration tests' job configuration: small batches, fast checkpoints, one fresh set of topics per test. */
public final class ItConfig {
    public static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();

    private ItConfig() {}

    /** A job configuration on fresh topics (created here) named after the suffix; extra entries override. */
    public static JobConfig of(TestKafka kafka, String suffix, Map<String, String> extra) throws Exception {
        Map<String, String> m = options(kafka.bootstrapServers(), suffix);
        m.putAll(extra);
        JobConfig c = JobConfig.from(Configuration.fromMap(m));
        kafka.createTopics(c.topics().all(), 2);
        return c;
    }

    /** The options of {@link #of}, before validation and without creating topics (for a job submitted elsewhere). */
    public static Map<String, String> options(String bootstrapServers, String suffix) throws java.io.IOException {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap-servers", bootstrapServers);
        m.put("kafka.group-id", "it-" + suffix);
        m.put("kafka.starting-offsets", "earliest");
        m.put("kafka.transactional-id-prefix", "it-" + suffix);
        m.put("kafka.transaction-timeout", "60 s");
        m.put("checkpoint.timeout", "20 s");
        m.put("events.max-past", "3650 d"); // the tests replay events from 2023
        for (var t : JobOptions.TOPICS) {
            m.put(t.key(), t.defaultValue() + "-" + suffix);
        }
        m.put("model.dir", ROOT.resolve("models/fashion-clip").toString());
        m.put("model.device", "cpu");
        m.put("checkpoint.interval", "500 ms");
        m.put("parallelism", "1");
        m.put("inference.batch-size", "8");
        m.put("routing.mode", "threshold");
        m.put("routing.threshold", "0.9");
        m.put("routing.audit-fraction", "0.25");
        m.put("calibration.window-size", "20 s");
        m.put("calibration.window-slide", "10 s");
        m.put("calibration.max-label-delay", "1 h");
        m.put("calibration.min-labels", "10"); // the tests' windows hold tens of labels, not hundreds
        m.put("images.max-bytes", "100000");
        m.put("calibration.join-decisions", "all"); // every event gets a ground-truth label here
        Path checkpoints = java.nio.file.Files.createTempDirectory("it-checkpoints");
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> io.bayesvlm.embedded.TempDirs.deleteRecursively(checkpoints)));
        m.put("checkpoint.dir", checkpoints.toUri().toString());
        return m;
    }
}
