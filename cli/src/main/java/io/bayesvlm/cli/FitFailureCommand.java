package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.failure.FailureStudy;
import io.bayesvlm.core.failure.FailureTraining;
import io.bayesvlm.core.head.Predictive;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bayesvlm fit-failure}: trains the learned failure predictor on labelled images and saves it. */
@Command(
        name = "fit-failure",
        mixinStandardHelpOptions = true,
        description = {
            "Train the learned failure predictor (ViLU-style, docs/failure-predictor.md) on labelled images.",
            "",
            "Scores the images with the model, marks each prediction right or wrong against its label, trains the",
            "predictor on DJL's PyTorch engine and writes it to the model directory as failure.npz (or --out). Use",
            "labelled images the routing will not be certified on: a score's guarantee needs labels it never saw."
        })
final class FitFailureCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    LabelledDataOptions dataset;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write it (default: MODEL/failure.npz).")
    Path out;

    @Option(names = "--epochs", defaultValue = "30", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter outw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        }
        try (BayesVlmModel m = BayesVlmModel.load(model.model(), model.scoring(Predictive.Mode.PROBIT))) {
            LabelledImages images = dataset.open(m.spec().classIds(), model.limits());
            FailureStudy.Pool pool = FailureInputs.labelled(m, images, model.seed, err, dataset.describe());
            FailureTraining.Options o =
                    FailureTraining.Options.DEFAULTS.withSeed(model.seed).withEpochs(epochs);
            long t0 = System.nanoTime();
            FailurePredictor p =
                    FailureTraining.fit(pool.inputs(), pool.wrong(), m.head().unitClassEmbeddings(), o);
            Path file = out != null ? out : model.model().resolve(FailurePredictor.FILE);
            p.save(file);
            outw.printf(
                    "trained on %d images of %s (%d wrong predictions) in %.1f s; written to %s%n",
                    pool.wrong().length,
                    dataset.describe(),
                    FailureInputs.wrongs(pool),
                    (System.nanoTime() - t0) / 1e9,
                    file);
            outw.flush();
        }
        return 0;
    }
}
