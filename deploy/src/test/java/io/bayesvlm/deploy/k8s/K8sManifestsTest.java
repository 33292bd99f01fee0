package io.bayesvlm.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every YAML under deploy/k8s against the Flink Kubernetes Operator's CRD and rules, Flink's option keys, the
 * configuration fragment, the job's options and the image ({@link ManifestCheck}); and proof that the check
 * catches the mistakes it exists for (each mutation below must be reported).
 */
class K8sManifestsTest {
    private static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    private static final Path K8S = ROOT.resolve("deploy/k8s");

    private static ManifestCheck check;
    private static Map<String, List<JsonNode>> files;
    private static List<JsonNode> configMaps;

    @TempDir
    Path scratch;

    @BeforeAll
    static void load() throws IOException {
        // The newest operator API on Maven Central (1.10.0) predates Flink 2.x: its flinkVersion enum stops at
        // v1_20. Operator 1.13 and later accept v2_0 to v2_2 (their FlinkVersion enum); the manifests say v2_2, so
        // that one value is added here and everything else is checked against the CRD as published.
        CrdSchema crd = CrdSchema.fromClasspath("META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml", "v1beta1");
        crd.allowEnumValue(ManifestCheck.flinkVersion(), "spec", "flinkVersion");
        check = new ManifestCheck(
                crd,
                FlinkOptionKeys.load(),
                ManifestCheck.flatYaml(ROOT.resolve("deploy/flink-conf.yaml")),
                jarInImage(ROOT.resolve("deploy/Dockerfile")));
        files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(K8S)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                files.put(f.getFileName().toString(), ManifestCheck.readAll(f));
            }
        }
        configMaps = files.values().stream()
                .flatMap(List::stream)
                .filter(d -> d.path("kind").asText().equals("ConfigMap"))
                .toList();
    }

    /** Where deploy/Dockerfile copies the job jar. */
    private static String jarInImage(Path dockerfile) throws IOException {
        for (String line : Files.readAllLines(dockerfile)) {
            String[] w = line.strip().split("\\s+");
            if (w.length == 3
                    && w[0].equals("COPY")
                    && w[1].startsWith("flink-job/target/")
                    && w[1].endsWith("-job.jar")) {
                return w[2];
            }
        }
        throw new IOException(dockerfile + " copies no job jar");
    }

    @Test
    void everyManifestPassesEveryCheck() {
        assertThat(files).as("YAML files in %s", K8S).isNotEmpty();
        List<String> problems = new ArrayList<>();
        files.forEach((name, docs) -> problems.addAll(check.check(name, docs, configMaps, scratch)));
        assertThat(problems).isEmpty();
    }

    @Test
    void thereIsACpuAndAGpuVariantBothOnSavepointUpgrades() {
        List<JsonNode> deployments = files.values().stream()
                .flatMap(List::stream)
                .filter(d -> d.path("kind").asText().equals("FlinkDeployment"))
                .toList();
        assertThat(deployments)
                .extracting(d -> d.path("spec")
                        .path("flinkConfiguration")
                        .path("external-resources")
                        .asText(""))
                .contains("", "gpu");
        assertThat(deployments)
                .allSatisfy(d -> assertThat(
                                d.path("spec").path("job").path("upgradeMode").asText())
                        .isEqualTo("savepoint"));
    }

    // Each mistake below must be caught: a wrong key or value anywhere fails the build, not the rollout.

    @Test
    void aMisspelledJobOptionFails() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> {},
                cm -> cm.put("job.yaml", cm.get("job.yaml").asText() + "routing.treshold: 0.5\n"),
                "unknown option 'routing.treshold'");
        assertReported(
                "flinkdeployment-gpu.yaml",
                d -> args(d).add("--inference.batchsize").add("8"),
                cm -> {},
                "unknown option 'inference.batchsize'");
    }

    @Test
    void anInvalidJobValueFails() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> args(d).add("--routing.audit-fraction").add("2"),
                cm -> {},
                "routing.audit-fraction must be in [0, 1]");
    }

    @Test
    void aJobOptionTheDeploymentOwnsFails() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> args(d).add("--parallelism").add("4"),
                cm -> {},
                "job option parallelism is set by the FlinkDeployment");
    }

    @Test
    void aMisspelledOrRetiredFlinkKeyFails() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> conf(d).put("taskmanager.numberOfTaskSlot", "2"),
                cm -> {},
                "spec.flinkConfiguration.taskmanager.numberOfTaskSlot: not a Flink");
        assertReported(
                "flinkdeployment-gpu.yaml",
                d -> conf(d).put("external-resource.gpu.ammount", "1"),
                cm -> {},
                "external-resource.gpu.ammount: not a Flink");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> conf(d).put("kubernetes.cluster-id", "x"),
                cm -> {},
                "set by the operator, forbidden here");
    }

    @Test
    void aFieldTheCrdDoesNotKnowOrAWrongTypeFails() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec"))
                        .set("taskManger", d.get("spec").get("taskManager")),
                cm -> {},
                "spec.taskManger: unknown field");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec").get("job")).put("parallelism", "two"),
                cm -> {},
                "spec.job.parallelism: expected an integer");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec").get("job")).put("upgradeMode", "savepoints"),
                cm -> {},
                "spec.job.upgradeMode: 'savepoints' is not one of");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> conf(d).put("taskmanager.numberOfTaskSlots", 2),
                cm -> {},
                "spec.flinkConfiguration.taskmanager.numberOfTaskSlots: expected a string");
    }

    @Test
    void operatorRulesTheCrdDoesNotEncodeAreChecked() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> conf(d).remove("execution.checkpointing.savepoint-dir"),
                cm -> {},
                "execution.checkpointing.savepoint-dir: required with upgradeMode savepoint");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec").get("taskManager")).remove("resource"),
                cm -> {},
                "spec.taskManager.resource.memory: required");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec")).put("flinkVersion", "v1_20"),
                cm -> {},
                "spec.flinkVersion must be " + ManifestCheck.flinkVersion());
    }

    @Test
    void driftFromTheFragmentTheImageAndThePrometheusPortFails() {
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> conf(d).remove("classloader.parent-first-patterns.additional"),
                cm -> {},
                "classloader.parent-first-patterns.additional: missing");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> conf(d).put("metrics.reporter.prom.port", "9300"),
                cm -> {},
                "must be one port of deploy/flink-conf.yaml's");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec").get("job")).put("jarURI", "local:///opt/flink/usrlib/job.jar"),
                cm -> {},
                "spec.job.jarURI must be local:///opt/flink/usrlib/");
        assertReported(
                "flinkdeployment-cpu.yaml",
                d -> ((ObjectNode) d.get("spec").get("job")).put("entryClass", "io.bayesvlm.flink.ModerationJobb"),
                cm -> {},
                "is not a class with main");
    }

    @Test
    void gpuWiringMistakesFail() {
        assertReported(
                "flinkdeployment-gpu.yaml",
                d -> conf(d).put("taskmanager.numberOfTaskSlots", "2"),
                cm -> {},
                "one slot per GPU");
        assertReported(
                "flinkdeployment-gpu.yaml",
                d -> conf(d).put("external-resource.gpu.kubernetes.config-key", "gpu"),
                cm -> {},
                "external-resource.gpu.kubernetes.config-key must be nvidia.com/gpu");
        assertReported(
                "flinkdeployment-gpu.yaml",
                d -> ((ObjectNode) d.get("spec").get("taskManager")).remove("podTemplate"),
                cm -> {},
                "must request nvidia.com/gpu: 1");
    }

    private static ObjectNode conf(JsonNode d) {
        return (ObjectNode) d.get("spec").get("flinkConfiguration");
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode args(JsonNode d) {
        return (com.fasterxml.jackson.databind.node.ArrayNode)
                d.get("spec").get("job").get("args");
    }

    /** Applies the mutations to copies of one manifest and of the ConfigMaps; the check must report {@code expected}. */
    private void assertReported(
            String file, Consumer<JsonNode> onDeployment, Consumer<ObjectNode> onConfigMapData, String expected) {
        List<JsonNode> docs =
                files.get(file).stream().<JsonNode>map(JsonNode::deepCopy).toList();
        docs.stream()
                .filter(d -> d.path("kind").asText().equals("FlinkDeployment"))
                .forEach(onDeployment);
        List<JsonNode> maps =
                configMaps.stream().<JsonNode>map(JsonNode::deepCopy).toList();
        maps.forEach(cm -> onConfigMapData.accept((ObjectNode) cm.get("data")));
        assertThat(check.check(file, List.copyOf(files.get(file)), configMaps, scratch))
                .as("unmutated %s", file)
                .isEmpty();
        assertThat(check.check(file, docs, maps, scratch))
                .anySatisfy(p -> assertThat(p).contains(expected));
    }
}
