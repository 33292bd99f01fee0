package io.bayesvlm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/bayesvlm}: the command-line entry point. */
@Command(
        name = "bayesvlm",
        mixinStandardHelpOptions = true,
        version = "bayesvlm 0.1.0",
        description = "Calibrated CLIP-style image classification with BayesVLM uncertainty.",
        subcommands = {ScoreCommand.class, CommandLine.HelpCommand.class})
public final class BayesVlmCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status (0 ok, 1 some input failed, 2 usage error). */
    public static int run(String... args) {
        return new CommandLine(new BayesVlmCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }
}
