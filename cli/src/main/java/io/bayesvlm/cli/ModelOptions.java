package io.bayesvlm.cli;

import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.model.DeviceSpec;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by every command that scores with a model: where it is, and how it scores. */
final class ModelOptions {

    @Mixin
    ModelDirOptions dir;

    @Option(
            names = "--batch-size",
            defaultValue = "" + ScoringOptions.DEFAULT_BATCH_SIZE,
            paramLabel = "N",
            description = "Images per encoder call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--mc-samples",
            defaultValue = "" + Predictive.DEFAULT_MC_SAMPLES,
            paramLabel = "S",
            description = "Monte Carlo draws for the mc predictive and for mutual_info (default: ${DEFAULT-VALUE}).")
    int mcSamples;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the Monte Carlo draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-bytes", paramLabel = "BYTES", description = "Largest accepted file (default: 16777216).")
    long maxBytes = ImageLimits.DEFAULTS.maxBytes();

    @Option(
            names = "--max-pixels",
            paramLabel = "PIXELS",
            description =
                    "Largest accepted width x height, checked from the header before decoding (default: 40000000).")
    long maxPixels = ImageLimits.DEFAULTS.maxPixels();

    @Option(
            names = "--max-side",
            paramLabel = "PIXELS",
            description = "Largest accepted width or height (default: 16384).")
    int maxSide = ImageLimits.DEFAULTS.maxSide();

    @Option(
            names = "--max-expansion",
            paramLabel = "RATIO",
            description = "Largest ratio of the pixel data a PNG, GIF, BMP or WebP header declares to the file's size,"
                    + " above 16 MiB of pixel data (default: 100).")
    double maxExpansion = ImageLimits.DEFAULTS.maxExpansion();

    ImageLimits limits() {
        return new ImageLimits(maxBytes, maxPixels, maxSide, maxExpansion);
    }

    Path model() {
        return dir.model;
    }

    ScoringOptions scoring(Predictive.Mode mode) {
        return new ScoringOptions(DeviceSpec.parse(dir.device), batchSize, mode, mcSamples, seed, limits());
    }
}
