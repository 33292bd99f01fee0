package io.bayesvlm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One option syntax for every service: a file, then command-line overrides; every error names the option. */
class OptionsTest {

    @TempDir
    Path dir;

    @Test
    void theCommandLineOverridesTheFile() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, "# a comment\nrate: 60\nduration=120\n");
        Options o = Options.parseArgs(new String[] {"--config", file.toString(), "--rate", "7.5", "--mode=risk"});
        assertThat(o.number("rate", 1)).isEqualTo(7.5);
        assertThat(o.intAtLeast("duration", 10, 10)).isEqualTo(120);
        assertThat(o.string("mode", "")).isEqualTo("risk");
        assertThat(o.longAtLeast("missing", 42, 0)).isEqualTo(42);
    }

    @Test
    void everyErrorNamesTheOption() {
        Options o = new Options(Map.of("n", "x", "d", "5 fortnights", "f", "1.5", "b", "maybe", "m", "blue"));
        assertThatThrownBy(() -> o.intAtLeast("n", 1, 0)).hasMessage("n must be an integer, got 'x'");
        assertThatThrownBy(() -> o.positiveDuration("d", Duration.ZERO)).hasMessageStartingWith("d: ");
        assertThatThrownBy(() -> Checks.fraction("f", o.number("f", 0))).hasMessage("f must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> o.bool("b", true)).hasMessage("b must be true or false, got 'maybe'");
        assertThatThrownBy(() -> o.oneOf("m", "red", "red", "green"))
                .hasMessage("m must be one of [red, green], got 'blue'");
        assertThatThrownBy(() -> new Options(Map.of("n", "3000000000")).intAtLeast("n", 1, 0))
                .hasMessage("n must be at most 2147483647, got 3000000000");
        assertThatThrownBy(() -> new Options(Map.of("r", "NaN")).number("r", 1))
                .hasMessage("r must be a finite number, got NaN");
    }

    @Test
    void durationsUseFlinksSyntax() {
        assertThat(Options.parseDuration("500 ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Options.parseDuration("30 s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Options.parseDuration("5 min")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Options.parseDuration("1 d")).isEqualTo(Duration.ofDays(1));
        assertThat(Options.parseDuration("250")).isEqualTo(Duration.ofMillis(250));
    }
}
