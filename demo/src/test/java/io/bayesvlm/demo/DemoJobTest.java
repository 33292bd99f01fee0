package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.flink.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** demo-job.properties is read with the project's option syntax and makes a valid job configuration. */
class DemoJobTest {

    @TempDir
    Path dir;

    @Test
    void theCommittedJobConfigurationIsValidAndOverridable() throws Exception {
        assertThat(DemoJob.defaults()).containsEntry("routing.mode", "risk").containsEntry("drift.window-size", "1 s");
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        JobConfig c = DemoJob.config(
                "127.0.0.1:9",
                null,
                root,
                Files.createDirectory(dir.resolve("checkpoints")),
                Map.of("routing.max-auto-error", "0.1"));
        assertThat(c.routing().risk()).isTrue();
        assertThat(c.routing().maxAutoError()).isEqualTo(0.1);
        assertThat(c.drift().referenceWindows()).isEqualTo(20);
    }
}
