package io.bayesvlm.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.JobOptions;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * Everything a {@code FlinkDeployment} under deploy/k8s must satisfy before anyone applies it: the operator's CRD
 * (structure, types, enums), the operator's own validation rules that the CRD does not encode, Flink's option
 * keys, the configuration fragment the cluster tests run (deploy/flink-conf.yaml), the job's own options and
 * startup validation, the image layout (deploy/Dockerfile), the Prometheus port, and for GPU TaskManagers the
 * external resource wiring. Each problem is one line naming the file and the path.
 */
final class ManifestCheck {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The operator's rule for deployment names (they become Kubernetes service names). */
    private static final Pattern DEPLOYMENT_NAME = Pattern.compile("[a-z]([-a-z\\d]{0,43}[a-z\\d])?");
    /** Keys the operator sets itself and refuses in flinkConfiguration. */
    private static final Set<String> FORBIDDEN_KEYS =
            Set.of("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id");
    /** Job options the FlinkDeployment owns (flinkConfiguration, spec.job.parallelism): the job must not override them. */
    private static final Set<String> OWNED_BY_DEPLOYMENT =
            Set.of(JobOptions.CHECKPOINT_DIR.key(), JobOptions.STATE_BACKEND.key(), JobOptions.PARALLELISM.key());

    private static final String PROM_PORT = "metrics.reporter.prom.port";

    private final CrdSchema crd;
    private final FlinkOptionKeys flinkKeys;
    private final Map<String, String> fragment;
    private final String jarInImage;

    ManifestCheck(CrdSchema crd, FlinkOptionKeys flinkKeys, Map<String, String> fragment, String jarInImage) {
        this.crd = crd;
        this.flinkKeys = flinkKeys;
        this.fragment = fragment;
        this.jarInImage = jarInImage;
    }

    /** "v2_2" for Flink 2.2.x: the operator's name for the Flink version this project builds against. */
    static String flinkVersion() {
        String[] v = EnvironmentInformation.getVersion().split("\\.");
        return "v" + v[0] + "_" + v[1];
    }

    static List<JsonNode> readAll(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isEmpty()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    /** deploy/flink-conf.yaml as flat key → value text. */
    static Map<String, String> flatYaml(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        YAML.readTree(file.toFile()).fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /**
     * Problems of every FlinkDeployment in {@code docs}; {@code configMaps} are the ConfigMaps the deployments may
     * mount (from all files).
     */
    List<String> check(String file, List<JsonNode> docs, List<JsonNode> configMaps, Path scratch) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : docs) {
            String kind = d.path("kind").asText();
            if (kind.equals("FlinkDeployment")) {
                checkDeployment(d, configMaps, scratch, out);
            } else if (!kind.equals("ConfigMap")) {
                out.add("kind " + kind + " is not checked by this test; add a check or move it elsewhere");
            }
        }
        return out.stream().map(p -> file + ": " + p).toList();
    }

    private void checkDeployment(JsonNode d, List<JsonNode> configMaps, Path scratch, List<String> out) {
        if (!d.path("apiVersion").asText().equals(crd.apiVersion())) {
            out.add("apiVersion must be " + crd.apiVersion() + ", got '"
                    + d.path("apiVersion").asText() + "'");
        }
        String name = d.path("metadata").path("name").asText("");
        if (!DEPLOYMENT_NAME.matcher(name).matches()) {
            out.add("metadata.name '" + name + "' must match " + DEPLOYMENT_NAME);
        }
        out.addAll(crd.validate(d));

        JsonNode spec = d.path("spec");
        if (!spec.path("flinkVersion").asText().equals(flinkVersion())) {
            out.add("spec.flinkVersion must be " + flinkVersion() + " (the Flink this project builds against), got '"
                    + spec.path("flinkVersion").asText() + "'");
        }
        if (spec.path("image").asText("").isBlank()) {
            out.add("spec.image: required");
        }
        Map<String, String> conf = new LinkedHashMap<>();
        spec.path("flinkConfiguration")
                .fields()
                .forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
        checkFlinkConfiguration(conf, out);
        checkResources(spec, out);
        checkJob(spec, conf, configMaps, scratch, out);
        checkMetricsPort(spec, conf, out);
        checkGpu(spec, conf, out);
    }

    private void checkFlinkConfiguration(Map<String, String> conf, List<String> out) {
        for (String k : conf.keySet()) {
            if (FORBIDDEN_KEYS.contains(k)) {
                out.add("spec.flinkConfiguration." + k + ": set by the operator, forbidden here");
            } else if (!flinkKeys.isKnown(k)) {
                out.add("spec.flinkConfiguration." + k + ": not a Flink " + EnvironmentInformation.getVersion()
                        + " option");
            }
        }
        for (Map.Entry<String, String> e : fragment.entrySet()) {
            String k = e.getKey();
            String v = conf.get(k);
            if (v == null) {
                out.add("spec.flinkConfiguration." + k + ": missing (deploy/flink-conf.yaml sets it; the operator does"
                        + " not read the image's config.yaml)");
            } else if (k.equals(PROM_PORT)) {
                if (!inPortRange(v, e.getValue())) {
                    out.add("spec.flinkConfiguration." + k + ": '" + v
                            + "' must be one port of deploy/flink-conf.yaml's " + e.getValue());
                }
            } else if (k.equals("metrics.reporter.prom.host")) {
                // The fragment keeps it on loopback; a pod is scraped over the pod network, so a manifest may open it.
                if (!v.equals("127.0.0.1") && !v.equals("0.0.0.0")) {
                    out.add("spec.flinkConfiguration." + k + ": 127.0.0.1 or 0.0.0.0 (the pod network), got '" + v
                            + "'");
                }
            } else if (k.equals("state.backend.type")) {
                if (!v.equals("hashmap") && !v.equals("rocksdb")) {
                    out.add("spec.flinkConfiguration." + k
                            + ": hashmap or rocksdb (deploy/README.md#state-and-checkpoints), got '" + v + "'");
                }
            } else if (!v.equals(e.getValue())) {
                out.add("spec.flinkConfiguration." + k + ": '" + v + "' differs from deploy/flink-conf.yaml's '"
                        + e.getValue() + "'");
            }
        }
    }

    private static boolean inPortRange(String port, String range) {
        try {
            int p = Integer.parseInt(port);
            String[] r = range.split("-");
            return p >= Integer.parseInt(r[0].strip()) && p <= Integer.parseInt(r[r.length - 1].strip());
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void checkResources(JsonNode spec, List<String> out) {
        for (String role : List.of("jobManager", "taskManager")) {
            JsonNode r = spec.path(role).path("resource");
            if (r.path("memory").asText("").isBlank()) {
                out.add("spec." + role + ".resource.memory: required (the operator sizes the pods from it)");
            }
            if (!r.path("cpu").isNumber()) {
                out.add("spec." + role + ".resource.cpu: required");
            }
        }
        JsonNode replicas = spec.path("jobManager").path("replicas");
        if (!replicas.isMissingNode() && replicas.asInt() < 1) {
            out.add("spec.jobManager.replicas must be at least 1");
        }
    }

    private void checkJob(
            JsonNode spec, Map<String, String> conf, List<JsonNode> configMaps, Path scratch, List<String> out) {
        JsonNode job = spec.path("job");
        if (job.isMissingNode()) {
            out.add("spec.job: required (an application deployment of the job jar)");
            return;
        }
        String jarUri = job.path("jarURI").asText("");
        URI uri = URI.create(jarUri.isEmpty() ? "missing:" : jarUri);
        if (!"local".equals(uri.getScheme()) || !uri.getPath().equals(jarInImage)) {
            out.add("spec.job.jarURI must be local://" + jarInImage
                    + " (where deploy/Dockerfile puts the job jar), got '" + jarUri + "'");
        }
        String entry = job.path("entryClass").asText("");
        try {
            Method main = Class.forName(entry).getMethod("main", String[].class);
            if (!Modifier.isStatic(main.getModifiers())) {
                out.add("spec.job.entryClass " + entry + " has no static main");
            }
        } catch (ReflectiveOperationException e) {
            out.add("spec.job.entryClass '" + entry + "' is not a class with main(String[]) in the job jar");
        }
        if (job.path("parallelism").asInt(0) < 1
                && spec.path("taskManager").path("replicas").isMissingNode()) {
            out.add("spec.job.parallelism must be at least 1");
        }
        String upgrade = job.path("upgradeMode").asText("");
        if (!upgrade.equals("savepoint")) {
            out.add("spec.job.upgradeMode must be savepoint (routing and label-join state survive upgrades), got '"
                    + upgrade + "'");
        }
        for (String k : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
            if (conf.getOrDefault(k, "").isBlank()) {
                out.add("spec.flinkConfiguration." + k + ": required with upgradeMode " + upgrade);
            }
        }
        checkJobArgs(spec, job, configMaps, scratch, out);
    }

    /** The job's arguments, with the mounted ConfigMap as --config, through the job's own parser and validation. */
    private void checkJobArgs(JsonNode spec, JsonNode job, List<JsonNode> configMaps, Path scratch, List<String> out) {
        List<String> args = new ArrayList<>();
        job.path("args").forEach(a -> args.add(a.asText()));
        int at = args.indexOf("--config");
        if (at < 0 || at + 1 >= args.size()) {
            out.add("spec.job.args must name the job's configuration with --config FILE, got " + args);
            return;
        }
        Path inPod = Path.of(args.get(at + 1));
        String text = mountedConfigMapEntry(spec, inPod, configMaps, out);
        if (text == null) {
            return;
        }
        try {
            Path local = Files.createTempFile(scratch, "job", ".yaml");
            Files.writeString(local, text);
            args.set(at + 1, local.toString());
            org.apache.flink.configuration.Configuration c = JobConfig.parseArgs(args.toArray(String[]::new));
            for (String k : OWNED_BY_DEPLOYMENT) {
                if (c.containsKey(k)) {
                    out.add("job option " + k + " is set by the FlinkDeployment (flinkConfiguration or"
                            + " spec.job.parallelism); remove it from the job's configuration");
                }
            }
            JobConfig.from(c);
        } catch (IllegalArgumentException | IOException e) {
            out.add("job configuration (" + inPod + " and spec.job.args): " + e.getMessage());
        }
    }

    /** The text the pod sees at {@code inPod}: a ConfigMap key mounted by spec.podTemplate. */
    private static String mountedConfigMapEntry(
            JsonNode spec, Path inPod, List<JsonNode> configMaps, List<String> out) {
        JsonNode pod = spec.path("podTemplate").path("spec");
        for (JsonNode container : pod.path("containers")) {
            if (!container.path("name").asText().equals("flink-main-container")) {
                continue;
            }
            for (JsonNode mount : container.path("volumeMounts")) {
                Path dir = Path.of(mount.path("mountPath").asText("/"));
                if (!inPod.getParent().equals(dir)) {
                    continue;
                }
                for (JsonNode volume : pod.path("volumes")) {
                    if (!volume.path("name").asText().equals(mount.path("name").asText())) {
                        continue;
                    }
                    String mapName = volume.path("configMap").path("name").asText("");
                    for (JsonNode cm : configMaps) {
                        if (cm.path("metadata").path("name").asText().equals(mapName)) {
                            JsonNode entry =
                                    cm.path("data").path(inPod.getFileName().toString());
                            if (entry.isTextual()) {
                                return entry.asText();
                            }
                            out.add("ConfigMap " + mapName + " has no key " + inPod.getFileName());
                            return null;
                        }
                    }
                    out.add("volume " + volume.path("name").asText() + " mounts ConfigMap '" + mapName
                            + "', which is not in deploy/k8s");
                    return null;
                }
            }
        }
        out.add("spec.job.args --config " + inPod + ": no ConfigMap is mounted at " + inPod.getParent()
                + " in spec.podTemplate's flink-main-container");
        return null;
    }

    private static void checkMetricsPort(JsonNode spec, Map<String, String> conf, List<String> out) {
        String port = conf.get(PROM_PORT);
        JsonNode template = spec.path("podTemplate");
        String annotated = template.path("metadata")
                .path("annotations")
                .path("prometheus.io/port")
                .asText("");
        if (!annotated.equals(port)) {
            out.add("spec.podTemplate annotation prometheus.io/port '" + annotated + "' must equal " + PROM_PORT + " '"
                    + port + "'");
        }
        boolean declared = false;
        for (JsonNode c : template.path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                declared |= p.path("name").asText().equals("metrics")
                        && p.path("containerPort").asText().equals(port);
            }
        }
        if (!declared) {
            out.add("spec.podTemplate: flink-main-container must declare a port named metrics at " + port);
        }
    }

    private static void checkGpu(JsonNode spec, Map<String, String> conf, List<String> out) {
        List<String> resources =
                List.of(conf.getOrDefault("external-resources", "").split("\\s*;\\s*"));
        if (!resources.contains("gpu")) {
            return;
        }
        Map<String, String> expected = Map.of(
                "external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory",
                "external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu",
                "external-resource.gpu.param.discovery-script.path",
                        "plugins/external-resource-gpu/nvidia-gpu-discovery.sh");
        expected.forEach((k, v) -> {
            if (!v.equals(conf.get(k))) {
                out.add("spec.flinkConfiguration." + k + " must be " + v + " for GPU TaskManagers, got " + conf.get(k));
            }
        });
        String amount = conf.getOrDefault("external-resource.gpu.amount", "");
        if (!amount.equals(conf.get("taskmanager.numberOfTaskSlots"))) {
            out.add("one slot per GPU: taskmanager.numberOfTaskSlots (" + conf.get("taskmanager.numberOfTaskSlots")
                    + ") must equal external-resource.gpu.amount (" + amount + ")");
        }
        boolean limited = false;
        for (JsonNode c :
                spec.path("taskManager").path("podTemplate").path("spec").path("containers")) {
            limited |= c.path("name").asText().equals("flink-main-container")
                    && c.path("resources")
                            .path("limits")
                            .path("nvidia.com/gpu")
                            .asText()
                            .equals(amount);
        }
        if (!limited) {
            out.add("spec.taskManager.podTemplate: flink-main-container must request nvidia.com/gpu: " + amount
                    + " in resources.limits");
        }
    }
}
