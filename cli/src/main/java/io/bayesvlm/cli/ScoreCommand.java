package io.bayesvlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoreResult;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.UncertaintyScore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bayesvlm score}: JSON Lines predictions with uncertainty for image files. */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        description = {
            "Scores image files: JSON Lines with predictions and uncertainty.",
            "",
            "Writes one JSON object per file to stdout, in input order.",
            "A file that cannot be scored gives {\"image\", \"error\", \"error_code\"}; the others are still scored;"
                    + " the exit status is 1 if any file failed."
        })
final class ScoreCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(
            names = "--predictive",
            defaultValue = "probit",
            paramLabel = "MODE",
            description = "probit | mc: how probs are computed (default: ${DEFAULT-VALUE}).")
    Predictive.Mode predictive;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Image files (PNG, JPEG, GIF, BMP, WebP).")
    List<String> files;

    @Spec
    CommandSpec spec;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        ScoringOptions options = model.scoring(predictive);
        PrintWriter out = spec.commandLine().getOut();
        int failed = 0;
        try (BayesVlmModel m = BayesVlmModel.load(model.model(), options)) {
            List<String> ids = m.spec().classIds();
            // Score in chunks so that memory stays bounded however many files are given.
            int chunk = Math.max(options.batchSize(), 64);
            for (int start = 0; start < files.size(); start += chunk) {
                List<String> names = files.subList(start, Math.min(files.size(), start + chunk));
                List<ScoreResult> results =
                        m.scoreFiles(names.stream().map(Path::of).toList());
                for (int i = 0; i < names.size(); i++) {
                    ScoreResult r = results.get(i);
                    if (r instanceof ScoreResult.Rejected) {
                        failed++;
                    }
                    out.println(json.writeValueAsString(toJson(names.get(i), r, ids)));
                }
                out.flush();
            }
        }
        if (failed > 0) {
            spec.commandLine().getErr().println(failed + " of " + files.size() + " file(s) could not be scored");
            spec.commandLine().getErr().flush();
        }
        return failed > 0 ? 1 : 0;
    }

    ObjectNode toJson(String image, ScoreResult result, List<String> classIds) {
        ObjectNode o = json.createObjectNode();
        o.put("image", image);
        if (result instanceof ScoreResult.Rejected r) {
            o.put("error", r.message());
            o.put("error_code", r.code().name());
            return o;
        }
        Prediction p = ((ScoreResult.Scored) result).prediction();
        o.put("prediction", classIds.get(p.predicted()));
        array(o.putArray("probs"), p.probs());
        array(o.putArray("map_probs"), p.mapProbs());
        array(o.putArray("logits_mean"), p.logitsMean());
        array(o.putArray("logits_var"), p.logitsVar());
        ObjectNode u = o.putObject("uncertainty");
        for (UncertaintyScore s : UncertaintyScore.values()) {
            u.put(s.jsonName(), p.uncertainty().get(s));
        }
        return o;
    }

    private static void array(ArrayNode node, double[] values) {
        for (double v : values) {
            node.add(v);
        }
    }
}
