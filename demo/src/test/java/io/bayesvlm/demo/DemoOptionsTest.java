package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's --relabel: parsed into pairs, refused with the option named when malformed or naming no class. */
class DemoOptionsTest {

    @Test
    void relabelPairsAreParsedAndCheckedAgainstTheReplayedClasses() throws Exception {
        DemoOptions o = DemoOptions.parse(new String[] {"--relabel", "sandal=sneaker, shirt=t-shirt"});
        assertThat(o.relabel()).isEqualTo(Map.of("sandal", "sneaker", "shirt", "t-shirt"));
        assertThat(o.jobOverrides()).doesNotContainKey("relabel");
        assertThat(DemoOptions.parse(new String[0]).relabel()).isEmpty();
        for (String bad : new String[] {"sandal", "sandal=", "=sneaker", "sandal=sandal"}) {
            assertThatThrownBy(() -> DemoOptions.relabel(bad))
                    .as(bad)
                    .hasMessageStartingWith("--relabel: expected pairs");
        }
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        Replay.checkRelabel(o, root);
        assertThatThrownBy(
                        () -> Replay.checkRelabel(DemoOptions.parse(new String[] {"--relabel", "sandal=boot"}), root))
                .hasMessageContaining("--relabel sandal=boot")
                .hasMessageContaining("ankle-boot");
    }
}
