package io.bayesvlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import io.bayesvlm.core.model.TextEncoder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bayesvlm relabel}: a copy of a model with another label set, its prompts embedded by the model's text encoder. */
@Command(
        name = "relabel",
        mixinStandardHelpOptions = true,
        description = {
            "Copies a model with a new label set (prompts embedded by its text encoder).",
            "",
            "Writes a copy of a model with a new label set: the prompts are embedded with the model's own text encoder",
            "and tokenizer (files.text_encoder, files.tokenizer). The Laplace posterior is over the projections, not the",
            "prompts, so it stays valid. --classes is a JSON list of {\"id\", \"prompt\"}."
        })
final class RelabelCommand implements Callable<Integer> {

    @Mixin
    ModelDirOptions model;

    @Option(names = "--classes", required = true, paramLabel = "FILE", description = "JSON list of {id, prompt}.")
    Path classes;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model directory (must not exist).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " already exists; choose a new directory");
        }
        ModelSpec source = ModelSpec.load(model.model);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        JsonNode list = json.readTree(classes.toFile());
        List<String> ids = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        if (!list.isArray() || list.size() < 2) {
            throw new IllegalArgumentException(classes
                    + ": expected a JSON list of at least 2 {\"id\", \"prompt\"} (with"
                    + " one class every image would get probability 1)");
        }
        for (JsonNode c : list) {
            if (!c.path("id").isTextual() || !c.path("prompt").isTextual()) {
                throw new IllegalArgumentException(
                        classes + ": every entry needs string \"id\" and \"prompt\", got " + c);
            }
            ids.add(c.get("id").asText());
            prompts.add(c.get("prompt").asText());
        }

        float[][] activations;
        try (TextEncoder text =
                TextEncoder.load(source, DeviceSpec.parse(model.device).resolve())) {
            for (int i = 0; i < prompts.size(); i++) {
                int unknown = text.tokenizer().unknownWords(prompts.get(i));
                if (unknown > 0) {
                    err.printf(
                            "relabel: warning: %d word(s) of the prompt for '%s' are not in the tokenizer's vocabulary%n",
                            unknown, ids.get(i));
                }
            }
            activations = text.encode(prompts);
        }

        // Build the new model next to the target and move it in place at the end: never half-written.
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, out.getFileName() + ".tmp");
        try {
            for (String f : source.files().values()) {
                Path target = tmp.resolve(f);
                Files.createDirectories(target.getParent());
                Files.copy(source.dir().resolve(f), target);
            }
            Map<String, NpyArray> head = new LinkedHashMap<>(Npz.read(source.file("head")));
            float[] flat = new float[activations.length * activations[0].length];
            for (int i = 0; i < activations.length; i++) {
                System.arraycopy(activations[i], 0, flat, i * activations[i].length, activations[i].length);
            }
            head.put(
                    LaplaceHead.CLASS_TEXT_ACTIVATIONS,
                    NpyArray.matrix(activations.length, activations[0].length, flat));
            Npz.write(tmp.resolve(source.files().get("head")), head);
            ObjectNode root = (ObjectNode)
                    json.readTree(source.dir().resolve(ModelSpec.MODEL_JSON).toFile());
            ArrayNode cls = root.putArray("classes");
            for (int i = 0; i < ids.size(); i++) {
                cls.addObject().put("id", ids.get(i)).put("prompt", prompts.get(i));
            }
            root.put("relabelled_from", source.name() + " " + source.version());
            json.writeValue(tmp.resolve(ModelSpec.MODEL_JSON).toFile(), root);
            // validates the result (model.json and the whole head) before it becomes visible
            io.bayesvlm.core.BayesVlmModel.loadHead(ModelSpec.load(tmp), io.bayesvlm.core.ScoringOptions.DEFAULTS);
            Files.move(tmp, out);
        } finally {
            if (Files.exists(tmp)) {
                try (Stream<Path> walk = Files.walk(tmp)) {
                    walk.sorted(java.util.Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
        err.printf("relabel: wrote %s with %d classes %s%n", out, ids.size(), ids);
        err.flush();
        return 0;
    }
}
