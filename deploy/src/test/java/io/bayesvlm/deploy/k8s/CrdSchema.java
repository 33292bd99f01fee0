package io.bayesvlm.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One served version of a CustomResourceDefinition and the checks the API server applies to a custom resource
 * with a structural schema: known fields only (unless {@code x-kubernetes-preserve-unknown-fields}), types,
 * {@code enum}, {@code required}, {@code x-kubernetes-int-or-string}, map values ({@code additionalProperties}).
 */
final class CrdSchema {
    private final String group;
    private final String version;
    private final String kind;
    private final JsonNode schema;

    private CrdSchema(String group, String version, String kind, JsonNode schema) {
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.schema = schema;
    }

    /** Reads a CRD from the classpath, e.g. {@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml}. */
    static CrdSchema fromClasspath(String resource, String version) throws IOException {
        try (InputStream in = CrdSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the test classpath");
            }
            JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(in);
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (v.path("name").asText().equals(version)) {
                    return new CrdSchema(
                            crd.path("spec").path("group").asText(),
                            version,
                            crd.path("spec").path("names").path("kind").asText(),
                            v.path("schema").path("openAPIV3Schema"));
                }
            }
            throw new IOException(resource + " serves no version " + version);
        }
    }

    String apiVersion() {
        return group + "/" + version;
    }

    String kind() {
        return kind;
    }

    /** Adds a value to the {@code enum} of the property at {@code path} (e.g. spec, flinkVersion). */
    void allowEnumValue(String value, String... path) {
        JsonNode node = schema;
        for (String p : path) {
            node = node.path("properties").path(p);
        }
        if (!(node.get("enum") instanceof ArrayNode values)) {
            throw new IllegalArgumentException("no enum at " + String.join(".", path));
        }
        values.add(value);
    }

    /** Problems of a resource's {@code spec}, each naming its path; empty if it conforms. */
    List<String> validate(JsonNode resource) {
        List<String> problems = new ArrayList<>();
        JsonNode specSchema = schema.path("properties").path("spec");
        check(specSchema, resource.path("spec"), "spec", problems);
        return problems;
    }

    private static void check(JsonNode s, JsonNode v, String path, List<String> out) {
        if (v.isMissingNode() || v.isNull()) {
            return;
        }
        if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!v.isIntegralNumber() && !v.isTextual()) {
                out.add(path + ": expected an integer or a string, got " + v);
            }
            return;
        }
        String type = s.path("type").asText("");
        switch (type) {
            case "object" -> checkObject(s, v, path, out);
            case "array" -> {
                if (!v.isArray()) {
                    out.add(path + ": expected a list, got " + v);
                    return;
                }
                for (int i = 0; i < v.size(); i++) {
                    check(s.path("items"), v.get(i), path + "[" + i + "]", out);
                }
            }
            case "string" -> {
                if (!v.isTextual()) {
                    out.add(path + ": expected a string, got " + v + " (quote it)");
                }
            }
            case "integer" -> {
                if (!v.isIntegralNumber()) {
                    out.add(path + ": expected an integer, got " + v);
                }
            }
            case "number" -> {
                if (!v.isNumber()) {
                    out.add(path + ": expected a number, got " + v);
                }
            }
            case "boolean" -> {
                if (!v.isBoolean()) {
                    out.add(path + ": expected true or false, got " + v);
                }
            }
            default -> {
                if (s.has("properties")) {
                    checkObject(s, v, path, out);
                }
            }
        }
        if (s.has("enum")) {
            boolean found = false;
            for (JsonNode e : s.get("enum")) {
                found |= e.asText().equals(v.asText());
            }
            if (!found) {
                out.add(path + ": '" + v.asText() + "' is not one of " + s.get("enum"));
            }
        }
    }

    private static void checkObject(JsonNode s, JsonNode v, String path, List<String> out) {
        if (!(v instanceof ObjectNode o)) {
            out.add(path + ": expected a map, got " + v);
            return;
        }
        for (JsonNode r : s.path("required")) {
            if (!o.has(r.asText())) {
                out.add(path + "." + r.asText() + ": required");
            }
        }
        boolean preserveUnknown = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String child = path + "." + f.getKey();
            JsonNode fieldSchema = s.path("properties").get(f.getKey());
            if (fieldSchema != null) {
                check(fieldSchema, f.getValue(), child, out);
            } else if (s.get("additionalProperties") instanceof ObjectNode values) {
                check(values, f.getValue(), child, out);
            } else if (!preserveUnknown) {
                out.add(child + ": unknown field");
            }
        }
    }
}
