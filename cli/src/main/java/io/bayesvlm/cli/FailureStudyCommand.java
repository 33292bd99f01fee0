package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.DataSets;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.failure.FailureStudy;
import io.bayesvlm.core.failure.FailureTraining;
import io.bayesvlm.core.head.Predictive;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bayesvlm failure-study}: the learned failure score against the fixed ones, over seeded splits. */
@Command(
        name = "failure-study",
        mixinStandardHelpOptions = true,
        description = {
            "The learned failure score (fit-failure) against max_prob, mutual_info, ... over seeded splits.",
            "",
            "Per split: half the images calibrate (a quarter trains the predictor, a quarter chooses every score's",
            "threshold; with --train-data the predictor learns there and the whole half chooses), half test.",
            "Failure AUROC and FPR95 per score, clean and shifted; review rate at each --alpha on clean test",
            "images; learned minus mutual_info with paired bootstrap intervals. Markdown."
        })
final class FailureStudyCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    LabelledDataOptions dataset;

    @Option(names = "--splits", defaultValue = "10", description = "Seeded splits (default: ${DEFAULT-VALUE}).")
    int splits;

    @Option(
            names = "--shift",
            split = ",",
            defaultValue = "blur,contrast,noise,rotate",
            description = "Shifts besides clean images (default: ${DEFAULT-VALUE}).")
    List<String> shifts;

    @Option(names = "--severity", defaultValue = "3", description = "Shift severity 1..5 (default: ${DEFAULT-VALUE}).")
    int severity;

    @Option(
            names = "--alpha",
            split = ",",
            defaultValue = "0.01,0.02,0.05",
            description = "Guaranteed error rates (default: ${DEFAULT-VALUE}).")
    List<Double> alphas;

    @Option(names = "--delta", defaultValue = "0.05", description = "(default: ${DEFAULT-VALUE})")
    double delta;

    @Option(names = "--bootstrap", defaultValue = "1000", description = "Resamples (default: ${DEFAULT-VALUE}).")
    int bootstrap;

    @Option(
            names = "--training",
            paramLabel = "H,H1,H2,EPOCHS,WD",
            split = ",",
            description = "The predictor's attention width, layers, epochs and weight decay"
                    + " (default: the fit-failure defaults, 16,32,16,30,0.03).")
    List<Double> trainingOptions;

    @Option(
            names = "--train-data",
            paramLabel = "PATH",
            description = "Train the predictor on these labelled images (none of --data's) instead of a quarter of"
                    + " each split; then the whole calibration half chooses the thresholds.")
    Path trainData;

    @Option(
            names = "--train-split",
            defaultValue = "test",
            description = "IDX split of --train-data (default: ${DEFAULT-VALUE}).")
    String trainSplit;

    @Option(names = "--train-range", paramLabel = "FROM:TO", description = "Part of --train-data to train on.")
    String trainRange;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (splits < 1 || bootstrap < 10) {
            throw new IllegalArgumentException("--splits must be at least 1 and --bootstrap at least 10");
        }
        if (trainData != null && sameImages()) {
            throw new IllegalArgumentException("--train-data is --data with the same --split and range: the"
                    + " predictor would be certified and tested on images it was trained on");
        }
        try (BayesVlmModel m = BayesVlmModel.load(model.model(), model.scoring(Predictive.Mode.PROBIT))) {
            LabelledImages images = dataset.open(m.spec().classIds(), model.limits());
            List<String> all = new ArrayList<>(List.of("none"));
            all.addAll(shifts);
            List<FailureStudy.Shifted> shifted = new ArrayList<>();
            int[] labels = null;
            boolean[] keep = null;
            for (String shift : all) {
                Activations.Result act = Activations.all(
                        m, images, ImageShift.fromId(shift), severity, model.seed, new Progress(err, shift));
                if (keep == null) {
                    keep = new boolean[act.activations().length];
                    Arrays.fill(keep, true);
                    labels = act.labels();
                } else if (act.activations().length != keep.length) {
                    throw new IllegalStateException(shift + " left out other images than the clean pass");
                }
                shifted.add(FailureInputs.of(shift, m, act, keep));
            }
            List<FailureStudy.Shifted> kept = new ArrayList<>();
            for (FailureStudy.Shifted s : shifted) {
                kept.add(FailureInputs.kept(s, keep));
            }
            int[] keptLabels = new int[kept.get(0).predictions().size()];
            for (int i = 0, j = 0; i < keep.length; i++) {
                if (keep[i]) {
                    keptLabels[j++] = labels[i];
                }
            }
            FailureStudy.Pool pool = null;
            String trainedOn = null;
            if (trainData != null) {
                String what = LabelledDataOptions.describe(trainData, trainSplit, trainRange);
                LabelledImages elsewhere = DataSets.open(
                        trainData, trainSplit, trainRange, m.spec().classIds(), model.limits());
                pool = FailureInputs.labelled(m, elsewhere, model.seed, err, what);
                trainedOn = String.format(
                        "the predictor trained on %d images of %s (%d wrong), none of the study's; ",
                        pool.wrong().length, what, FailureInputs.wrongs(pool));
            }
            FailureStudy.Result r = FailureStudy.run(
                    kept,
                    keptLabels,
                    m.head().unitClassEmbeddings(),
                    training().withSeed(model.seed),
                    alphas.stream().mapToDouble(Double::doubleValue).toArray(),
                    delta,
                    splits,
                    bootstrap,
                    model.seed,
                    pool);
            print(out, r, m, all, trainedOn);
        }
        return 0;
    }

    private FailureTraining.Options training() {
        FailureTraining.Options d = FailureTraining.Options.DEFAULTS;
        if (trainingOptions == null) {
            return d;
        }
        if (trainingOptions.size() != 5) {
            throw new IllegalArgumentException("--training takes 5 numbers: H,H1,H2,EPOCHS,WD");
        }
        List<Double> t = trainingOptions;
        return new FailureTraining.Options(
                t.get(0).intValue(),
                t.get(1).intValue(),
                t.get(2).intValue(),
                t.get(3).intValue(),
                d.batchSize(),
                d.learningRate(),
                t.get(4),
                d.seed());
    }

    /** Whether --train-data names the same images as --data (a range of them partly overlapping is not caught). */
    private boolean sameImages() {
        return trainData
                        .toAbsolutePath()
                        .normalize()
                        .equals(dataset.data.toAbsolutePath().normalize())
                && trainSplit.equals(dataset.split)
                && java.util.Objects.equals(trainRange, dataset.range);
    }

    /** @param trainedOn where the predictor learned, when not on a quarter of each split (else null) */
    private void print(
            PrintWriter out, FailureStudy.Result r, BayesVlmModel m, List<String> shiftsShown, String trainedOn) {
        out.printf(
                "Model `%s` on %s: %d images, %d seeded splits; per split on average %s%d choose"
                        + " the thresholds, %d test; severity %d; delta %s.%n%n",
                m.spec().name(),
                dataset.describe(),
                r.images(),
                r.splits(),
                trainedOn == null ? r.trainItems() + " train the predictor, " : trainedOn,
                r.certifyItems(),
                r.testItems(),
                severity,
                delta);
        List<String> scores = new ArrayList<>(r.auroc().get("none").keySet());
        out.println("Failure AUROC (mean over splits; FPR at 95% TPR in brackets):");
        out.println();
        out.println("| score | " + String.join(" | ", shiftsShown) + " |");
        out.println("| --- |" + " ---: |".repeat(shiftsShown.size()));
        for (String score : scores) {
            StringBuilder row = new StringBuilder("| " + score + " |");
            for (String shift : shiftsShown) {
                row.append(String.format(
                        " %.3f (%.3f) |",
                        r.auroc().get(shift).get(score), r.fpr95().get(shift).get(score)));
            }
            out.println(row);
        }
        StringBuilder diff = new StringBuilder("| learned − mutual_info, 95% interval |");
        for (String shift : shiftsShown) {
            FailureStudy.Estimate e = r.aurocDifference().get(shift);
            diff.append(String.format(" %+.3f [%+.3f, %+.3f] |", e.mean(), e.lower(), e.upper()));
        }
        out.println(diff);
        out.println();
        out.println("Review rate for a guaranteed error rate among automatic decisions (clean test images):");
        out.println();
        out.println("| score | "
                + String.join(
                        " | ",
                        r.reviewRate().keySet().stream().map(a -> "α = " + a).toList()) + " |");
        out.println("| --- |" + " ---: |".repeat(r.reviewRate().size()));
        for (String score : scores) {
            StringBuilder row = new StringBuilder("| " + score + " |");
            for (Map.Entry<Double, Map<String, Double>> e : r.reviewRate().entrySet()) {
                row.append(String.format(
                        " %.3f (error %.4f) |",
                        e.getValue().get(score), r.autoError().get(e.getKey()).get(score)));
            }
            out.println(row);
        }
        StringBuilder rd = new StringBuilder("| learned − mutual_info, 95% interval |");
        for (FailureStudy.Estimate e : r.reviewDifference().values()) {
            rd.append(String.format(" %+.3f [%+.3f, %+.3f] |", e.mean(), e.lower(), e.upper()));
        }
        out.println(rd);
        out.flush();
    }
}
