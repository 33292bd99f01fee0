package io.bayesvlm.demo;

import io.bayesvlm.config.Options;
import io.bayesvlm.flink.JobConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;

/** The moderation job's configuration in the demo: demo-job.properties, this run's endpoints, then the user's keys. */
final class DemoJob {

    static final String RESOURCE = "demo-job.properties";

    private DemoJob() {}

    static JobConfig config(
            String bootstrap, String registryUrl, Path root, Path checkpoints, Map<String, String> overrides)
            throws IOException {
        Map<String, String> m = new HashMap<>(defaults());
        if (registryUrl != null) {
            m.put("registry.url", registryUrl);
            m.put("registry.auto-register", "true");
        }
        m.put("kafka.bootstrap-servers", bootstrap);
        m.put("kafka.group-id", "demo-" + UUID.randomUUID());
        m.put(
                "kafka.transactional-id-prefix",
                "demo-" + UUID.randomUUID().toString().substring(0, 8));
        m.put("model.dir", root.resolve("models/fashion-clip").toString());
        m.put("checkpoint.dir", checkpoints.toUri().toString());
        m.putAll(overrides);
        return JobConfig.from(Configuration.fromMap(m));
    }

    /** The committed job configuration of the demo, in the project's one option syntax. */
    static Map<String, String> defaults() throws IOException {
        try (InputStream in = DemoJob.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + " is missing from the demo's classpath");
            }
            return Options.readLines(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)
                            .lines()
                            .toList(),
                    RESOURCE);
        }
    }
}
