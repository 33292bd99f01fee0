package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The README's option table lists every option the job accepts, so the documentation cannot drift silently. */
class ReadmeOptionsTest {

    @Test
    void everyOptionIsDocumented() throws Exception {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        String readme = Files.readString(root.resolve("flink-job/README.md"));
        for (ConfigOption<?> o : JobOptions.ALL) {
            assertThat(readme).as("flink-job/README.md documents %s", o.key()).contains("| `" + o.key() + "` |");
        }
    }
}
