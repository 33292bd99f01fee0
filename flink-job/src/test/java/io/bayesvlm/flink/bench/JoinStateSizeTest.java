package io.bayesvlm.flink.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The label join's state stays compact: on the heap, a waiting decision costs at most 1.5 times what it costs in a
 * checkpoint, at K = 10 and K = 1,000 (sizes of object graphs and snapshots: deterministic, not timed). Measured by
 * {@link JoinStateSize} in a JVM of its own: walking the operator's object graph in a JVM that has loaded everything
 * else the tests load takes minutes instead of seconds.
 */
class JoinStateSizeTest {
    static final Pattern LINE = Pattern.compile("join-state K=(\\d+) heap=([\\d.]+) checkpoint=([\\d.]+) .*");

    @Test
    void heapPerWaitingDecisionStaysWithinOneAndAHalfTimesItsCheckpointBytes() throws Exception {
        List<String> out = run();
        int checked = 0;
        for (String line : out) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            int k = Integer.parseInt(m.group(1));
            double heap = Double.parseDouble(m.group(2));
            double checkpoint = Double.parseDouble(m.group(3));
            System.out.println(line);
            assertThat(checkpoint)
                    .as("K=%d checkpoint bytes hold the probabilities", k)
                    .isGreaterThan(16.0 * k);
            assertThat(heap / checkpoint).as("K=%d heap / checkpoint", k).isLessThanOrEqualTo(1.5);
            checked++;
        }
        assertThat(checked)
                .as("figures for K=10 and K=1000 in:%n%s", String.join("\n", out))
                .isEqualTo(2);
    }

    static List<String> run() throws IOException, InterruptedException {
        List<String> cmd = io.bayesvlm.embedded.ChildJvm.command(JoinStateSize.class, List.of(), List.of("--lines"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] all = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        List<String> lines = List.of(new String(all, StandardCharsets.UTF_8).split("\n"));
        assertThat(p.exitValue())
                .as("JoinStateSize exit; output:%n%s", String.join("\n", lines))
                .isZero();
        return lines;
    }
}
