package io.bayesvlm.demo;

import io.bayesvlm.config.Checks;
import io.bayesvlm.config.Options;
import io.bayesvlm.core.data.ImageShift;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The demo's options, parsed with the project's one option syntax ({@code --key value}, {@code --config FILE});
 * every other key is a job option and goes to the job ({@link #jobOverrides}).
 */
record DemoOptions(
        int durationSeconds,
        double rate,
        ImageShift drift,
        int severity,
        long reviewDelayMillis,
        double badFraction,
        boolean registry,
        Reviewer reviewer,
        int reviewPort,
        Map<String, String> relabel,
        Map<String, String> jobOverrides) {

    /**
     * Who works the review queue: SIMULATED reviewers (true labels straight to the labels topic), a HUMAN in the
     * browser, or BOTH (simulated auditors take the audits, people the uncertain items).
     */
    enum Reviewer {
        SIMULATED,
        HUMAN,
        BOTH
    }

    /** The demo's own keys; {@link #USAGE} lists each. */
    static final List<String> KEYS = List.of(
            "duration",
            "rate",
            "drift",
            "severity",
            "review-delay-ms",
            "bad-fraction",
            "registry",
            "reviewer",
            "review-port",
            "relabel");

    /** What {@code bin/bayesvlm demo --help} prints. */
    static final String USAGE = String.join(
            "\n",
            "usage: bin/bayesvlm demo [options] [--<job option> value ...]",
            "",
            "The whole system on this machine: a Kafka broker, a schema registry, the moderation job on a local Flink",
            "MiniCluster, the review service with its web UI, a replay of Fashion-MNIST images (clean, then drifted)",
            "and simulated reviewers. Ctrl-C stops it cleanly, summary included.",
            "",
            "  --duration S         seconds of replay (default 120, at least 10)",
            "  --rate R             image events per second (default 100)",
            "  --drift SHIFT        the second half's shift: " + String.join(", ", shiftIds()) + " (default blur)",
            "  --severity N         strength of the shift (default 2)",
            "  --review-delay-ms M  how long a simulated reviewer takes (default 1500)",
            "  --bad-fraction F     share of deliberately corrupt events (default 0.01)",
            "  --registry B         true: the embedded schema registry; false: plain Avro (default true);",
            "                       --registry.url URL uses your own registry instead",
            "  --reviewer WHO       simulated | human | both (default simulated)",
            "  --review-port P      the review service's port (default 8090; 0 picks a free one)",
            "  --relabel A=B[,C=D]  a taxonomy change the model cannot see: every image of class A is labelled B",
            "                       (by the simulated reviewers, and as the truth of the summary) from the start;",
            "                       with --routing.score auto the learned failure predictor can find it",
            "  --config FILE        options from a file (key: value lines), overridden by the command line",
            "  --help               this text",
            "",
            "Any option of the job (flink-job/README.md, e.g. --routing.mode target-rate) is passed to it; the demo's",
            "own job configuration is demo/src/main/resources/io/bayesvlm/demo/demo-job.properties.");

    static DemoOptions parse(String[] args) throws IOException {
        Options o = Options.parseArgs(args);
        Map<String, String> job = new HashMap<>(o.asMap());
        KEYS.forEach(job::remove);
        // A registry of your own (--registry.url ...) replaces the embedded one.
        boolean embeddedRegistry = o.bool("registry", true) && !job.containsKey("registry.url");
        return new DemoOptions(
                o.intAtLeast("duration", 120, 10),
                Checks.positive("rate", o.number("rate", 100)),
                ImageShift.fromId(o.oneOf("drift", "blur", shiftIds().toArray(String[]::new))),
                o.intAtLeast("severity", 2, 1),
                o.longAtLeast("review-delay-ms", 1500, 0),
                Checks.fraction("bad-fraction", o.number("bad-fraction", 0.01)),
                embeddedRegistry,
                Reviewer.valueOf(o.oneOf("reviewer", "simulated", "simulated", "human", "both")
                        .toUpperCase(Locale.ROOT)),
                o.intAtLeast("review-port", 8090, 0),
                relabel(o.string("relabel", "")),
                Map.copyOf(job));
    }

    /** {@code A=B,C=D} → {A: B, C: D}; the classes are checked against the replayed sample's by {@link Replay}. */
    static Map<String, String> relabel(String spec) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String pair : spec.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] ab = pair.split("=", -1);
            if (ab.length != 2
                    || ab[0].isBlank()
                    || ab[1].isBlank()
                    || ab[0].strip().equals(ab[1].strip())) {
                throw new IllegalArgumentException(
                        "--relabel: expected pairs of two different classes A=B separated by commas, got '" + pair
                                + "'");
            }
            m.put(ab[0].strip(), ab[1].strip());
        }
        return Map.copyOf(m);
    }

    private static List<String> shiftIds() {
        return Arrays.stream(ImageShift.values()).map(ImageShift::id).collect(Collectors.toList());
    }
}
