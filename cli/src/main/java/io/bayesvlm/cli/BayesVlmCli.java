package io.bayesvlm.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/bayesvlm}: the command-line entry point. */
@Command(
        name = "bayesvlm",
        mixinStandardHelpOptions = true,
        version = "bayesvlm 0.1.0",
        description = "Calibrated CLIP-style image classification with BayesVLM uncertainty.",
        footer = {
            "",
            "Also through bin/bayesvlm:",
            "  demo      Kafka + schema registry + Flink + the default model on this machine",
            "  job       the moderation job on a local MiniCluster (--config FILE)",
            "  bench     pipeline throughput and latency against the bare model",
            "  headbench encoder against Bayesian head time per image",
            "  review    the review service; review-bench its benchmark"
        },
        subcommands = {
            ScoreCommand.class,
            FitCommand.class,
            EvaluateCommand.class,
            RiskCommand.class,
            RelabelCommand.class,
            FitFailureCommand.class,
            FailureStudyCommand.class,
            CommandLine.HelpCommand.class
        })
public final class BayesVlmCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status (0 ok, 1 some input failed, 2 usage error). */
    public static int run(String... args) {
        return run(
                new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
                args);
    }

    /** Runs a command line writing results to {@code out} and diagnostics to {@code err}. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BayesVlmCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // A bad model or option value is the user's to fix: one clear line, no stack trace.
                    cmd.getErr().println("bayesvlm " + cmd.getCommandName() + ": " + e.getMessage());
                    cmd.getErr().flush();
                    return 2;
                });
        return cli.execute(args);
    }
}
