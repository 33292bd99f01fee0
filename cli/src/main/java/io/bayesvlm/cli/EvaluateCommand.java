package io.bayesvlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.metrics.Calibration;
import io.bayesvlm.core.metrics.Evaluation;
import io.bayesvlm.core.metrics.FailurePrediction;
import io.bayesvlm.core.metrics.HeldOutTemperatures;
import io.bayesvlm.core.model.ModelSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bayesvlm evaluate}: calibration and failure prediction of MAP CLIP vs BayesVLM, clean and shifted. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Calibration and failure-prediction report, MAP CLIP vs BayesVLM, clean and shifted.",
            "",
            "Evaluates MAP CLIP, BayesVLM probit and BayesVLM Monte Carlo on labelled images, clean and under shifts:",
            "accuracy, NLL, Brier, ECE, MCE, adaptive ECE, and per uncertainty score the failure-prediction AUROC,",
            "FPR at 95%% TPR and AURC (definitions: docs/metrics.md). Prints Markdown tables; with --out also writes",
            "metrics.json, report.md and reliability-<shift>.png (MAP and BayesVLM side by side). Images the model",
            "gives non-finite values are left out of every metric and counted in the report."
        })
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    LabelledDataOptions dataset;

    @Mixin
    FailureOption failureOption;

    @Option(
            names = "--shift",
            split = ",",
            defaultValue = "none",
            paramLabel = "SHIFT",
            description =
                    "Comma-separated: none, rotate, noise, contrast, blur, invert, or all (default: ${DEFAULT-VALUE}).")
    List<String> shifts;

    @Option(names = "--severity", defaultValue = "3", description = "Shift severity 1..5 (default: ${DEFAULT-VALUE}).")
    int severity;

    @Option(
            names = "--bins",
            defaultValue = "" + Calibration.DEFAULT_BINS,
            description = "Calibration bins (default: ${DEFAULT-VALUE}; the BayesVLM paper uses 20).")
    int bins;

    @Option(
            names = "--temperature-labels",
            split = ",",
            paramLabel = "N",
            description = "Also report MAP and BayesVLM after temperature scaling fitted on N clean labelled images"
                    + " (e.g. 50,500). A seeded split sets the largest N aside: every method is then evaluated on the"
                    + " other images only, never on those a temperature was fitted on.")
    List<Integer> temperatureLabels;

    @Option(names = "--out", paramLabel = "DIR", description = "Write metrics.json, report.md and PNG diagrams here.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        List<ImageShift> list = new ArrayList<>();
        for (String s : shifts) {
            if (s.equalsIgnoreCase("all")) {
                list.addAll(List.of(ImageShift.values()));
            } else {
                list.add(ImageShift.fromId(s));
            }
        }
        if (out != null) {
            Files.createDirectories(out);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        StringBuilder report = new StringBuilder();
        try (BayesVlmModel m = BayesVlmModel.load(model.model(), model.scoring(Predictive.Mode.PROBIT))) {
            io.bayesvlm.core.failure.FailurePredictor learned = failureOption.load(m, model.model());
            ModelSpec ms = m.spec();
            LabelledImages images = dataset.open(ms.classIds(), model.limits());
            Predictive mc = new Predictive(Predictive.Mode.MC, model.mcSamples, model.seed, ms.numClasses());
            json.put(
                    "model",
                    Map.of(
                            "name",
                            ms.name(),
                            "version",
                            ms.version(),
                            "dir",
                            model.model().toString()));
            json.put(
                    "data",
                    Map.of(
                            "path",
                            dataset.data.toString(),
                            "split",
                            dataset.split,
                            "range",
                            dataset.range == null ? "" : dataset.range,
                            "items",
                            images.size()));
            json.put("bins", bins);
            json.put("severity", severity);
            report.append(String.format(
                    "Model `%s` (%s) on %s, %,d images, %d bins, severity %d.%n%n",
                    ms.name(), ms.version(), dataset.describe(), images.size(), bins, severity));
            Map<String, Object> perShift = new LinkedHashMap<>();
            // Temperature scaling: fitted on the first N of a seeded permutation of the clean images; every method is
            // evaluated on the images after the largest N.
            Map<Integer, Evaluation.Temperatures> temperatures = new LinkedHashMap<>();
            int[] heldOut = null;
            Activations.Result clean = null;
            if (temperatureLabels != null && !temperatureLabels.isEmpty()) {
                clean = Activations.all(
                        m,
                        images,
                        ImageShift.NONE,
                        severity,
                        model.seed,
                        new Progress(err, "evaluate: temperature fit"));
                HeldOutTemperatures fitted = HeldOutTemperatures.fit(
                        m.head(), clean.activations(), clean.labels(), temperatureLabels, model.seed);
                temperatures = fitted.byLabels();
                heldOut = fitted.heldOut();
                json.put(
                        "temperature_fit",
                        Map.of("labels", temperatureLabels, "evaluated_items", heldOut.length, "seed", model.seed));
                report.append(String.format(
                        "Temperature scaling fitted on %s clean images; every method below is evaluated"
                                + " on the other %,d.%n%n",
                        temperatureLabels, heldOut.length));
            }
            for (ImageShift shift : list) {
                Activations.Result all = shift == ImageShift.NONE && clean != null
                        ? clean // computed for the fit
                        : Activations.all(
                                m, images, shift, severity, model.seed, new Progress(err, "evaluate " + shift.id()));
                Activations.Result act = heldOut == null
                        ? all
                        : new Activations.Result(
                                HeldOutTemperatures.pick(all.activations(), heldOut),
                                HeldOutTemperatures.pick(all.labels(), heldOut),
                                all.skipped(),
                                all.skippedExamples());
                Map<Evaluation.Method, Evaluation.MethodResult> results =
                        Evaluation.run(m.head(), mc, act.activations(), act.labels(), bins);
                Map<String, Calibration.Report> scaled = new LinkedHashMap<>();
                temperatures.forEach((k, t) -> {
                    Calibration.Report[] r =
                            Evaluation.withTemperatures(m.head(), act.activations(), act.labels(), bins, t);
                    scaled.put(String.format("MAP (CLIP) + TS (N=%d, T=%.3f)", k, t.map()), r[0]);
                    scaled.put(String.format("BayesVLM probit + TS (N=%d, T=%.3f)", k, t.probit()), r[1]);
                });
                FailurePrediction.Result learnedResult = learned == null ? null : learned(learned, m, act);
                String section = section(shift, act, results, scaled, learnedResult);
                report.append(section);
                stdout.print(section);
                stdout.flush();
                Map<String, Object> shiftJson = toJson(act, results);
                if (learnedResult != null) {
                    shiftJson.put(
                            "learned_failure_prediction",
                            Map.of(
                                    "auroc",
                                    learnedResult.auroc(),
                                    "fpr_at_95_tpr",
                                    learnedResult.fprAt95Tpr(),
                                    "aurc",
                                    learnedResult.aurc()));
                }
                if (!scaled.isEmpty()) {
                    Map<String, Object> ts = new LinkedHashMap<>();
                    scaled.forEach((label, r) -> ts.put(label, calibrationJson(r)));
                    shiftJson.put("temperature_scaled", ts);
                }
                perShift.put(shift.id(), shiftJson);
                if (out != null) {
                    ReliabilityDiagram.write(
                            out.resolve("reliability-" + shift.id() + ".png"),
                            ms.name()
                                    + ": "
                                    + shift.id()
                                    + (shift == ImageShift.NONE ? "" : " (severity " + severity + ")"),
                            List.of(Evaluation.Method.MAP.label(), Evaluation.Method.PROBIT.label()),
                            List.of(
                                    results.get(Evaluation.Method.MAP).calibration(),
                                    results.get(Evaluation.Method.PROBIT).calibration()));
                }
            }
            json.put("shifts", perShift);
        }
        if (out != null) {
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(out.resolve("metrics.json").toFile(), json);
            Files.writeString(out.resolve("report.md"), report.toString());
            err.println("evaluate: wrote " + out.resolve("metrics.json") + ", report.md and reliability-*.png");
        }
        return 0;
    }

    private static String section(
            ImageShift shift,
            Activations.Result act,
            Map<Evaluation.Method, Evaluation.MethodResult> results,
            Map<String, Calibration.Report> scaled,
            FailurePrediction.Result learned) {
        StringBuilder s = new StringBuilder();
        int nonFinite = results.values().iterator().next().skippedNonFinite();
        s.append("### ")
                .append(shift.id())
                .append(act.skipped() > 0 ? " (" + act.skipped() + " images skipped)" : "")
                .append(
                        nonFinite > 0
                                ? " ("
                                        + nonFinite
                                        + " images left out: the model gave them non-finite"
                                        + " probabilities or scores)"
                                : "")
                .append("\n\n| method | accuracy | NLL | Brier | ECE | MCE | adaptive ECE |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        results.forEach((method, r) -> {
            Calibration.Report c = r.calibration();
            s.append(String.format(
                    "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |%n",
                    method.label(), c.accuracy(), c.nll(), c.brier(), c.ece(), c.mce(), c.adaptiveEce()));
        });
        scaled.forEach((label, c) -> s.append(String.format(
                "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |%n",
                label, c.accuracy(), c.nll(), c.brier(), c.ece(), c.mce(), c.adaptiveEce())));
        s.append("\n| method | score | AUROC | FPR@95%TPR | AURC |\n| --- | --- | ---: | ---: | ---: |\n");
        results.forEach((method, r) -> r.failure()
                .forEach((score, f) -> s.append(String.format(
                        "| %s | %s | %.4f | %.4f | %.4f |%n",
                        method.label(), score.jsonName(), f.auroc(), f.fprAt95Tpr(), f.aurc()))));
        if (learned != null) {
            s.append(String.format(
                    "| %s | learned | %.4f | %.4f | %.4f |%n",
                    Evaluation.Method.PROBIT.label(), learned.auroc(), learned.fprAt95Tpr(), learned.aurc()));
        }
        return s.append('\n').toString();
    }

    /** The learned failure score's ranking of the probit head's right and wrong predictions (finite ones). */
    private static FailurePrediction.Result learned(
            io.bayesvlm.core.failure.FailurePredictor learned, BayesVlmModel m, Activations.Result act) {
        List<Double> conf = new ArrayList<>();
        List<Boolean> correct = new ArrayList<>();
        for (int i = 0; i < act.activations().length; i++) {
            io.bayesvlm.core.head.Prediction p = m.head().predict(act.activations()[i]);
            if (p.isFinite()) {
                conf.add(FailureOption.confidence(learned, m, act.activations()[i], p));
                correct.add(p.predicted() == act.labels()[i]);
            }
        }
        boolean[] ok = new boolean[correct.size()];
        for (int i = 0; i < ok.length; i++) {
            ok[i] = correct.get(i);
        }
        return FailurePrediction.evaluate(
                conf.stream().mapToDouble(Double::doubleValue).toArray(), ok);
    }

    private static Map<String, Object> calibrationJson(Calibration.Report c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", c.accuracy());
        m.put("nll", c.nll());
        m.put("brier", c.brier());
        m.put("ece", c.ece());
        m.put("mce", c.mce());
        m.put("adaptive_ece", c.adaptiveEce());
        m.put("mean_confidence", c.meanConfidence());
        m.put("bins", c.bins());
        return m;
    }

    private static Map<String, Object> toJson(
            Activations.Result act, Map<Evaluation.Method, Evaluation.MethodResult> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", act.labels().length);
        out.put("skipped", act.skipped());
        out.put("skipped_non_finite", results.values().iterator().next().skippedNonFinite());
        results.forEach((method, r) -> {
            Map<String, Object> m = calibrationJson(r.calibration());
            Map<String, Object> f = new LinkedHashMap<>();
            for (Map.Entry<UncertaintyScore, FailurePrediction.Result> e :
                    r.failure().entrySet()) {
                f.put(
                        e.getKey().jsonName(),
                        Map.of(
                                "auroc",
                                e.getValue().auroc(),
                                "fpr_at_95_tpr",
                                e.getValue().fprAt95Tpr(),
                                "aurc",
                                e.getValue().aurc()));
            }
            m.put("failure_prediction", f);
            out.put(method.name().toLowerCase(java.util.Locale.ROOT), m);
        });
        return out;
    }
}
