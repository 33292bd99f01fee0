package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code bin/bayesvlm demo --help} prints the demo's options (it used to fail with "option --help needs a value"). */
class DemoUsageTest {

    @Test
    void helpListsEveryOptionOfTheDemo() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            DemoMain.main(new String[] {"--help"});
        } finally {
            System.setOut(original);
        }
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("usage: bin/bayesvlm demo");
        for (String key : DemoMain.DEMO_KEYS) {
            assertThat(help).as("--help lists --%s", key).contains("--" + key + " ");
        }
        assertThat(help).contains("--help");
    }
}
