package io.bayesvlm.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the model is and where it runs: the options of every command that opens a model directory. */
final class ModelDirOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (format v1).")
    Path model;

    @Option(
            names = "--device",
            defaultValue = "auto",
            paramLabel = "D",
            description = "auto | cpu | gpu | gpu:<i> (default: ${DEFAULT-VALUE}).")
    String device;
}
