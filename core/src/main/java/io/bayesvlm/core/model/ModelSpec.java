package io.bayesvlm.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bayesvlm.common.ModelKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed {@code model.json} of a model directory in format {@value #FORMAT} (see docs/model-format.md).
 * Unknown keys are ignored; a missing or malformed required key fails with a message naming it.
 */
public record ModelSpec(
        Path dir,
        String name,
        String version,
        ImageSpec image,
        double logitScale,
        List<ClassSpec> classes,
        Map<String, String> files) {

    public static final String FORMAT = "bayesvlm-model/1";
    public static final String MODEL_JSON = "model.json";
    /** Below this, a logit_scale is most likely its log given by mistake (CLIP's s = 100 is stored as log 100). */
    public static final double MIN_LOGIT_SCALE = 5;
    /** model.json key that accepts a logit_scale below {@link #MIN_LOGIT_SCALE} as intended. */
    public static final String SMALL_LOGIT_SCALE_KEY = "logit_scale_intentional";

    /** The key of a model in every per-model grouping: {@link ModelKey#of}. */
    public static String key(String name, String version) {
        return ModelKey.of(name, version);
    }

    /** This model's {@link #key(String, String)}. */
    public String key() {
        return key(name, version);
    }

    /** Image preprocessing parameters: target size, channel count and per-channel normalisation. */
    public record ImageSpec(int height, int width, int channels, float[] mean, float[] std) {}

    /** One class: a stable id (what decisions report) and the prompt whose text embedding represents it. */
    public record ClassSpec(String id, String prompt) {}

    public ModelSpec {
        classes = List.copyOf(classes);
        files = Map.copyOf(files);
    }

    public int numClasses() {
        return classes.size();
    }

    public List<String> classIds() {
        return classes.stream().map(ClassSpec::id).toList();
    }

    /** Resolves a file named under {@code files} in model.json, or throws naming the key. */
    public Path file(String key) {
        String name = files.get(key);
        if (name == null) {
            throw new ModelFormatException(dir.resolve(MODEL_JSON) + ": files." + key + " is missing");
        }
        return dir.resolve(name);
    }

    public boolean hasFile(String key) {
        return files.containsKey(key);
    }

    public static ModelSpec load(Path dir) throws IOException {
        Path json = dir.resolve(MODEL_JSON);
        if (!Files.isRegularFile(json)) {
            throw new ModelFormatException(dir + " is not a model directory: " + MODEL_JSON + " not found");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException(json + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return parse(dir, root, json.toString());
    }

    static ModelSpec parse(Path dir, JsonNode root, String where) {
        Fields f = new Fields(where);
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(where + ": top level must be a JSON object");
        }
        String format = f.text(root, "format");
        if (!FORMAT.equals(format)) {
            throw new ModelFormatException(where + ": format is '" + format + "', this build reads '" + FORMAT + "'");
        }
        String name = f.text(root, "name");
        String version = root.hasNonNull("version") ? f.text(root, "version") : "unversioned";

        JsonNode image = f.object(root, "image");
        int[] size = f.intArray(image, "image.size");
        if (size.length != 2 || size[0] <= 0 || size[1] <= 0) {
            throw new ModelFormatException(where + ": image.size must be [H, W] with positive integers");
        }
        int channels = f.integer(image, "image.channels");
        if (channels != 1 && channels != 3) {
            throw new ModelFormatException(where + ": image.channels must be 1 or 3, got " + channels);
        }
        float[] mean = f.floatArray(image, "image.mean", channels);
        float[] std = f.floatArray(image, "image.std", channels);
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new ModelFormatException(where + ": image.std entries must be positive, got " + s);
            }
        }

        double logitScale = f.number(root, "logit_scale");
        if (!(logitScale > 0) || !Double.isFinite(logitScale)) {
            throw new ModelFormatException(
                    where + ": logit_scale must be a positive number (the multiplier s, not its log)");
        }
        JsonNode intentional = root.get(SMALL_LOGIT_SCALE_KEY);
        if (logitScale < MIN_LOGIT_SCALE
                && !(intentional != null && intentional.isBoolean() && intentional.asBoolean())) {
            throw new ModelFormatException(where + ": logit_scale is " + logitScale + ", below " + MIN_LOGIT_SCALE
                    + ": is it the log of the multiplier (CLIP stores log 100 = 4.6)? Give the multiplier s itself,"
                    + " or add \"" + SMALL_LOGIT_SCALE_KEY + "\": true if so small a scale is meant");
        }

        JsonNode classesNode = root.get("classes");
        if (classesNode == null || !classesNode.isArray() || classesNode.size() < 2) {
            throw new ModelFormatException(where + ": classes must be an array of at least 2 {id, prompt} (a classifier"
                    + " with one class gives every image probability 1)");
        }
        List<ClassSpec> classes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < classesNode.size(); i++) {
            JsonNode c = classesNode.get(i);
            if (!c.isObject()) {
                throw new ModelFormatException(where + ": classes[" + i + "] must be an object {id, prompt}");
            }
            String id = f.text(c, "classes[" + i + "].id", "id");
            String prompt = f.text(c, "classes[" + i + "].prompt", "prompt");
            if (!seen.add(id)) {
                throw new ModelFormatException(where + ": classes[" + i + "].id '" + id + "' is not unique");
            }
            classes.add(new ClassSpec(id, prompt));
        }

        JsonNode filesNode = f.object(root, "files");
        Map<String, String> files = new LinkedHashMap<>();
        filesNode.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                files.put(e.getKey(), e.getValue().asText());
            }
        });
        for (String required : List.of("image_encoder", "head")) {
            if (!files.containsKey(required)) {
                throw new ModelFormatException(where + ": files." + required + " is missing or not a string");
            }
        }
        for (Map.Entry<String, String> e : files.entrySet()) {
            if (!Files.isRegularFile(dir.resolve(e.getValue()))) {
                throw new ModelFormatException(where + ": files." + e.getKey() + " names '" + e.getValue()
                        + "', which does not exist in " + dir);
            }
        }
        return new ModelSpec(
                dir, name, version, new ImageSpec(size[0], size[1], channels, mean, std), logitScale, classes, files);
    }

    /** Typed access to JSON fields with errors that name the key. */
    private record Fields(String where) {
        JsonNode required(JsonNode parent, String path, String key) {
            JsonNode n = parent.get(key);
            if (n == null || n.isNull()) {
                throw new ModelFormatException(where + ": " + path + " is missing");
            }
            return n;
        }

        String text(JsonNode parent, String key) {
            return text(parent, key, key);
        }

        String text(JsonNode parent, String path, String key) {
            JsonNode n = required(parent, path, key);
            if (!n.isTextual() || n.asText().isBlank()) {
                throw new ModelFormatException(where + ": " + path + " must be a non-empty string");
            }
            return n.asText();
        }

        JsonNode object(JsonNode parent, String key) {
            JsonNode n = required(parent, key, key);
            if (!n.isObject()) {
                throw new ModelFormatException(where + ": " + key + " must be an object");
            }
            return n;
        }

        double number(JsonNode parent, String key) {
            JsonNode n = required(parent, key, key);
            if (!n.isNumber()) {
                throw new ModelFormatException(where + ": " + key + " must be a number");
            }
            return n.asDouble();
        }

        int integer(JsonNode parent, String path) {
            JsonNode n = required(parent, path, leaf(path));
            if (!n.isIntegralNumber()) {
                throw new ModelFormatException(where + ": " + path + " must be an integer");
            }
            return n.asInt();
        }

        int[] intArray(JsonNode parent, String path) {
            JsonNode n = required(parent, path, leaf(path));
            if (!n.isArray()) {
                throw new ModelFormatException(where + ": " + path + " must be an array of integers");
            }
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                if (!n.get(i).isIntegralNumber()) {
                    throw new ModelFormatException(where + ": " + path + " must be an array of integers");
                }
                out[i] = n.get(i).asInt();
            }
            return out;
        }

        float[] floatArray(JsonNode parent, String path, int length) {
            JsonNode n = required(parent, path, leaf(path));
            if (!n.isArray() || n.size() != length) {
                throw new ModelFormatException(
                        where + ": " + path + " must be an array of " + length + " numbers (one per channel)");
            }
            float[] out = new float[length];
            for (int i = 0; i < length; i++) {
                if (!n.get(i).isNumber()) {
                    throw new ModelFormatException(where + ": " + path + " must be an array of numbers");
                }
                out[i] = (float) n.get(i).asDouble();
            }
            return out;
        }

        private static String leaf(String path) {
            return path.substring(path.lastIndexOf('.') + 1);
        }
    }
}
