package io.bayesvlm.cli;

import io.bayesvlm.core.data.DataSets;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.image.ImageLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The labelled images a command evaluates on: {@code --data}, {@code --split}, {@code --range}. */
final class LabelledDataOptions {

    @Option(
            names = "--data",
            required = true,
            paramLabel = "PATH",
            description = "Labelled images: an IDX directory (Fashion-MNIST) or a folder of class folders.")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "IDX split (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--range", paramLabel = "FROM:TO", description = "Part of the data to use.")
    String range;

    LabelledImages open(List<String> classIds, ImageLimits limits) throws IOException {
        return DataSets.open(data, split, range, classIds, limits);
    }

    /** e.g. "models/sample (test 0:500)". */
    String describe() {
        return describe(data, split, range);
    }

    static String describe(Path data, String split, String range) {
        return data + " (" + split + (range == null ? "" : " " + range) + ")";
    }
}
