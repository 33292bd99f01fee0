package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.DataSets;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.laplace.LaplaceFitter;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bayesvlm fit}: post-hoc KFAC Laplace factors for a model's projections. */
@Command(
        name = "fit",
        mixinStandardHelpOptions = true,
        description = {
            "Fits the Laplace posterior of a model's projections on labelled images.",
            "",
            "Fits the KFAC Laplace posterior of the image and text projections on labelled images (each image's",
            "text is its class prompt) and writes it into the model's head.npz, atomically.",
            "--data is an IDX directory (Fashion-MNIST) or a folder with one sub-folder per class id.",
            "The pseudo-count n is chosen by validation NLL when validation data is given; the prior precision",
            "maximises the KFAC marginal likelihood for each n. --refit re-tunes n from the stored raw factors",
            "without a pass over the training data."
        })
final class FitCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", paramLabel = "PATH", description = "Training images (IDX directory or class folders).")
    Path data;

    @Option(names = "--split", defaultValue = "train", description = "IDX split of --data (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--range", paramLabel = "FROM:TO", description = "Part of --data to fit on, e.g. 0:55000.")
    String range;

    @Option(names = "--validation-data", paramLabel = "PATH", description = "Validation images (default: --data).")
    Path validationData;

    @Option(names = "--validation-split", description = "IDX split of the validation data (default: --split).")
    String validationSplit;

    @Option(
            names = "--validation-range",
            paramLabel = "FROM:TO",
            description = "Part used for validation, e.g. 55000:60000.")
    String validationRange;

    @Option(
            names = "--pseudo-counts",
            split = ",",
            paramLabel = "N",
            description = "Candidate pseudo-counts n (default when validating: 1e-4, 2e-4, 5e-4, 1e-3, ... up to the"
                    + " number of training pairs N; without validation data: 1).")
    double[] pseudoCounts;

    @Option(
            names = "--contrastive-batch",
            defaultValue = "256",
            paramLabel = "B",
            description = "Images per contrastive batch: the targets of the text-side GGN (default: ${DEFAULT-VALUE}).")
    int contrastiveBatch;

    @Option(
            names = "--refit",
            description = "Re-tune n and λ from the raw factors stored by an earlier fit; no training pass.")
    boolean refit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (!refit && data == null) {
            throw new IllegalArgumentException("--data is required (or --refit to reuse stored factors)");
        }
        ModelSpec modelSpec = ModelSpec.load(model.model());
        Path headFile = modelSpec.file("head");
        Map<String, NpyArray> head = Npz.read(headFile);
        ScoringOptions options = model.scoring(Predictive.Mode.PROBIT);

        try (BayesVlmModel m = BayesVlmModel.load(model.model(), options)) {
            LaplaceFitter.Raw raw;
            if (refit) {
                raw = LaplaceFitter.readRaw(head);
                err.printf(
                        "fit: reusing stored raw factors (N = %,d)%n",
                        raw.image().n());
            } else {
                LabelledImages train = DataSets.open(data, split, range, modelSpec.classIds(), options.limits());
                err.printf("fit: %,d training pairs from %s%n", train.size(), data);
                err.flush();
                raw = LaplaceFitter.accumulate(
                        m, head, train, contrastiveBatch, new Progress(err, "fit: training pass"));
                if (raw.skipped() > 0) {
                    err.printf("fit: warning: %d training image(s) did not decode and were skipped%n", raw.skipped());
                }
            }

            Activations.Result validation = null;
            if (validationData != null || validationRange != null) {
                LabelledImages val = DataSets.open(
                        validationData != null ? validationData : data,
                        validationSplit != null ? validationSplit : split,
                        validationRange,
                        modelSpec.classIds(),
                        options.limits());
                validation = Activations.all(m, val, ImageShift.NONE, 1, 0, new Progress(err, "fit: validation pass"));
            }
            double[] grid = pseudoCounts != null
                    ? pseudoCounts
                    : validation != null ? LaplaceFitter.defaultGrid(raw.image().n()) : new double[] {1};
            List<LaplaceFitter.Candidate> candidates =
                    LaplaceFitter.candidates(raw, head, modelSpec.logitScale(), grid, validation);
            LaplaceFitter.Candidate best = LaplaceFitter.best(candidates);

            out.println("| n | λ image | λ text | validation NLL | validation ECE | validation accuracy |");
            out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
            for (LaplaceFitter.Candidate c : candidates) {
                out.printf(
                        "| %s%s | %.4g | %.4g | %.4f | %.4f | %.4f |%n",
                        fmt(c.pseudoCount()),
                        c == best ? " (chosen)" : "",
                        c.image().priorPrecision(),
                        c.text().priorPrecision(),
                        c.validationNll(),
                        c.validationEce(),
                        c.validationAccuracy());
            }
            out.flush();
            Npz.write(headFile, LaplaceFitter.withPosterior(head, raw, best));
            err.printf(
                    "fit: wrote %s (N = %,d, n = %s, λ_img = %.4g, λ_txt = %.4g)%n",
                    headFile,
                    raw.image().n(),
                    fmt(best.pseudoCount()),
                    best.image().priorPrecision(),
                    best.text().priorPrecision());
            err.flush();
        }
        return 0;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
