package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.core.risk.HeldOutRisk;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bayesvlm risk}: the review rate a guaranteed error rate among automatic decisions costs, per score. */
@Command(
        name = "risk",
        mixinStandardHelpOptions = true,
        description = {
            "Review rate needed to guarantee an error rate among automatic decisions, MAP vs BayesVLM scores.",
            "",
            "Splits labelled images (seeded) into a calibration and a test part. On the calibration part it chooses,",
            "per score and per --alpha, the most permissive threshold whose error among automatically decided items",
            "is at most alpha with probability 1 - delta (Learn then Test, exact binomial bounds: docs/guarantees.md);",
            "on the test part it reports the share sent to review and the error among the rest. Use data the model",
            "was not tuned on."
        })
final class RiskCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    LabelledDataOptions dataset;

    @Option(
            names = "--alpha",
            split = ",",
            defaultValue = "0.01,0.02,0.05",
            paramLabel = "A",
            description = "Guaranteed error rates among automatic decisions (default: ${DEFAULT-VALUE}).")
    List<Double> alphas;

    @Option(
            names = "--delta",
            defaultValue = "0.05",
            description = "Chance the guarantee may fail (default: ${DEFAULT-VALUE}).")
    double delta;

    @Option(
            names = "--calibration-fraction",
            defaultValue = "0.5",
            description = "Share of the images used to choose the thresholds (default: ${DEFAULT-VALUE}).")
    double calibrationFraction;

    @Option(names = "--grid", defaultValue = "200", description = "Candidate thresholds (default: ${DEFAULT-VALUE}).")
    int grid;

    @Mixin
    FailureOption failureOption;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!(calibrationFraction > 0 && calibrationFraction < 1)) {
            throw new IllegalArgumentException("--calibration-fraction must be in (0, 1), got " + calibrationFraction);
        }
        try (BayesVlmModel m = BayesVlmModel.load(model.model(), model.scoring(Predictive.Mode.PROBIT))) {
            ModelSpec ms = m.spec();
            LabelledImages images = dataset.open(ms.classIds(), model.limits());
            Activations.Result act =
                    Activations.all(m, images, ImageShift.NONE, 1, model.seed, new Progress(err, "risk"));
            FailurePredictor learned = failureOption.load(m, model.model());
            List<Prediction> predictions = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            List<Double> learnedConfidence = new ArrayList<>();
            for (int i = 0; i < act.activations().length; i++) {
                Prediction p = m.head().predict(act.activations()[i]);
                if (p.isFinite()) {
                    predictions.add(p);
                    labels.add(act.labels()[i]);
                    if (learned != null) {
                        learnedConfidence.add(FailureOption.confidence(learned, m, act.activations()[i], p));
                    }
                }
            }
            int n = predictions.size();
            boolean[] calibration = new boolean[n];
            SplittableRandom rng = new SplittableRandom(model.seed);
            for (int i = 0; i < n; i++) {
                calibration[i] = rng.nextDouble() < calibrationFraction;
            }
            out.printf(
                    "Model `%s` (%s) on %s: %d images (%d left out), %d for calibration, the rest for the test;"
                            + " delta %s.%n%n",
                    ms.name(),
                    ms.version(),
                    dataset.describe(),
                    n,
                    act.skipped() + act.activations().length - n,
                    count(calibration),
                    delta);
            out.println(
                    "| method | score | alpha | threshold | bound (calibration) | review rate (test) | error among auto (test) | auto (test) |");
            out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (boolean bayes : new boolean[] {false, true}) {
                for (UncertaintyScore s : bayes
                        ? List.of(UncertaintyScore.values())
                        : List.of(UncertaintyScore.MAX_PROB, UncertaintyScore.MARGIN)) {
                    double[] conf = new double[n];
                    boolean[] wrong = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        Prediction p = predictions.get(i);
                        double value = bayes ? p.uncertainty().get(s) : mapScore(s, p.mapProbs());
                        conf[i] = s.confidence(value);
                        wrong[i] = (bayes ? p.predicted() : io.bayesvlm.core.head.Uncertainty.argmax(p.mapProbs()))
                                != labels.get(i);
                    }
                    rows(
                            out,
                            bayes ? "BayesVLM probit" : "MAP (CLIP)",
                            s.jsonName(),
                            s::valueAtConfidence,
                            conf,
                            wrong,
                            calibration);
                }
            }
            if (learned != null) {
                // the learned score is a confidence already (1 − the predicted chance of a wrong prediction)
                double[] conf = learnedConfidence.stream()
                        .mapToDouble(Double::doubleValue)
                        .toArray();
                boolean[] wrong = new boolean[n];
                for (int i = 0; i < n; i++) {
                    wrong[i] = predictions.get(i).predicted() != labels.get(i);
                }
                rows(out, "BayesVLM probit", "learned", c -> c, conf, wrong, calibration);
            }
            out.flush();
        }
        return 0;
    }

    /** One table row per alpha: the threshold chosen on the calibration part, the figures of the test part. */
    private void rows(
            PrintWriter out,
            String method,
            String score,
            java.util.function.DoubleUnaryOperator valueAtConfidence,
            double[] conf,
            boolean[] wrong,
            boolean[] calibration) {
        for (double alpha : alphas) {
            HeldOutRisk.Row r = HeldOutRisk.evaluate(
                    part(conf, calibration, true),
                    part(wrong, calibration, true),
                    part(conf, calibration, false),
                    part(wrong, calibration, false),
                    alpha,
                    delta,
                    grid);
            out.printf(
                    "| %s | %s | %.3f | %s | %s | %.3f | %s | %d |%n",
                    method,
                    score,
                    alpha,
                    r.threshold() == Double.POSITIVE_INFINITY
                            ? "none (review all)"
                            : String.format("%.4g", valueAtConfidence.applyAsDouble(r.threshold())),
                    Double.isNaN(r.upperBound()) ? "-" : String.format("%.4f", r.upperBound()),
                    r.reviewRate(),
                    Double.isNaN(r.autoError()) ? "-" : String.format("%.4f", r.autoError()),
                    r.auto());
        }
    }

    /** MAP's own score values (it has no logit variances): max_prob or margin of its probabilities. */
    static double mapScore(UncertaintyScore s, double[] p) {
        double first = 0;
        double second = 0;
        for (double v : p) {
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return s == UncertaintyScore.MARGIN ? first - second : first;
    }

    private static int count(boolean[] b) {
        int c = 0;
        for (boolean x : b) {
            c += x ? 1 : 0;
        }
        return c;
    }

    private static double[] part(double[] v, boolean[] cal, boolean want) {
        return java.util.stream.IntStream.range(0, v.length)
                .filter(i -> cal[i] == want)
                .mapToDouble(i -> v[i])
                .toArray();
    }

    private static boolean[] part(boolean[] v, boolean[] cal, boolean want) {
        int[] idx = java.util.stream.IntStream.range(0, v.length)
                .filter(i -> cal[i] == want)
                .toArray();
        boolean[] out = new boolean[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = v[idx[i]];
        }
        return out;
    }
}
