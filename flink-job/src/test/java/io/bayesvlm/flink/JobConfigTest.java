package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.core.head.UncertaintyScore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    @Test
    void defaultsAreValid() {
        JobConfig c = JobConfig.defaults();
        assertThat(c.topics().images()).isEqualTo("image-events");
        assertThat(c.routing().score()).isEqualTo(UncertaintyScore.MAX_PROB);
        assertThat(c.routing().targetRate()).isTrue();
        assertThat(c.calibration().bins()).isEqualTo(15);
        assertThat(c.jpegOversample()).isEqualTo(io.bayesvlm.core.image.ImageDecoder.JPEG_OVERSAMPLE);
        assertThat(c.calibration().correctionWindow()).isEqualTo(java.time.Duration.ofMinutes(10));
    }

    @Test
    void fileThenCommandLineOverrides(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("job.yaml"), """
                # comment
                routing.score: entropy
                inference.batch-size: 16
                calibration.window-size: 5 min
                """);
        JobConfig c = JobConfig.from(JobConfig.parseArgs(
                new String[] {"--config", file.toString(), "--inference.batch-size", "64", "--routing.mode=threshold"
                }));
        assertThat(c.routing().score()).isEqualTo(UncertaintyScore.ENTROPY);
        assertThat(c.batchSize()).isEqualTo(64);
        assertThat(c.routing().targetRate()).isFalse();
        assertThat(c.calibration().windowSize()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theAuditKeyDecidesTheDrawAndIsNeverPrinted() {
        String secret = "a-key-of-thirty-two-characters!!";
        JobConfig a = JobConfig.from(Configuration.fromMap(Map.of("routing.audit-key", secret)));
        JobConfig b = JobConfig.from(Configuration.fromMap(Map.of("routing.audit-key", secret)));
        JobConfig unkeyed = JobConfig.from(Configuration.fromMap(Map.of()));
        assertThat(a.routing().audit().draw("e-1"))
                .isEqualTo(b.routing().audit().draw("e-1"));
        assertThat(unkeyed.routing().audit().draw("e-1"))
                .isNotEqualTo(a.routing().audit().draw("e-1"));
        assertThat(a.toString()).doesNotContain(secret).contains("AuditDraw[key hidden]");
    }

    @Test
    void invalidValuesNameTheOption() {
        assertInvalid(Map.of("inference.batch-size", "0"), "inference.batch-size must be at least 1");
        assertInvalid(Map.of("images.jpeg-oversample", "0.5"), "images.jpeg-oversample must be a number of at least 1");
        assertInvalid(Map.of("images.max-expansion", "0.5"), "images.max-expansion must be a number of at least 1");
        assertInvalid(Map.of("calibration.correction-window", "-1 s"), "calibration.correction-window");
        assertInvalid(Map.of("routing.score", "confidence"), "routing.score");
        assertInvalid(Map.of("routing.mode", "sometimes"), "routing.mode must be one of");
        assertInvalid(Map.of("routing.audit-fraction", "1.5"), "routing.audit-fraction must be in [0, 1]");
        assertInvalid(Map.of("model.device", "tpu"), "model.device");
        assertInvalid(Map.of("calibration.window-slide", "20 min"), "calibration.window-slide");
        assertInvalid(Map.of("kafka.transaction-timeout", "5 s"), "kafka.transaction-timeout");
        assertInvalid(Map.of("topics.decisions", "image-events"), "9 different topics");
        assertInvalid(Map.of("routing.treshold", "0.5"), "unknown option 'routing.treshold'");
        assertInvalid(Map.of("inference.batch-size", "many"), "inference.batch-size");
        assertInvalid(Map.of("parallelism", "0"), "parallelism must be -1 or positive");
        assertInvalid(Map.of("routing.audit-key", "short"), "routing.audit-key: the audit key needs at least 16 bytes");
        assertInvalid(Map.of("calibration.min-labels", "0"), "calibration.min-labels must be at least 1");
        assertInvalid(Map.of("routing.certify", "weekly"), "routing.certify must be one of");
        assertInvalid(
                Map.of("routing.change-detector-arl", "0.5"), "routing.change-detector-arl must be a number above 1");
        assertInvalid(Map.of("routing.certify-label-wait", "0 s"), "routing.certify-label-wait");
        assertInvalid(
                Map.of("routing.mode", "risk", "routing.audit-fraction", "0"),
                "routing.mode=risk needs routing.audit-fraction > 0");
        assertInvalid(
                Map.of("routing.mode", "risk", "routing.max-auto-error", "0"),
                "routing.max-auto-error must be in (0, 1)");
        assertInvalid(
                Map.of("routing.mode", "risk", "routing.risk-delta", "1.5"), "routing.risk-delta must be in (0, 1)");
        assertInvalid(Map.of("inference.parallelism", "-2"), "inference.parallelism must be -1 or positive");
    }

    @Test
    void parallelismIsTheClustersUnlessSet() {
        // -1 leaves Flink's parallelism.default in charge (flink run -p, the operator's spec.job.parallelism).
        assertThat(JobConfig.defaults().parallelism()).isEqualTo(-1);
        assertThat(JobConfig.from(Configuration.fromMap(Map.of("parallelism", "3")))
                        .parallelism())
                .isEqualTo(3);
    }

    @Test
    void registryOptions() {
        assertThat(JobConfig.defaults().registry().enabled()).isFalse();
        JobConfig c = JobConfig.from(Configuration.fromMap(Map.of(
                "registry.url",
                "http://sr:8081/",
                "registry.auth",
                "basic",
                "registry.username",
                "svc",
                "registry.password",
                "pw",
                "registry.subject-strategy",
                "topic-record",
                "registry.auto-register",
                "true")));
        assertThat(c.registry().displayUrl()).isEqualTo("http://sr:8081");
        assertThat(c.registry().auth()).isEqualTo(io.bayesvlm.serde.registry.RegistryConfig.Auth.BASIC);
        assertThat(c.registry().subjectStrategy().subject("t", "a.B")).isEqualTo("t-a.B");
        assertThat(c.registry().autoRegister()).isTrue();
        assertThat(c.registry().toString()).doesNotContain("pw"); // secrets stay out of logs

        assertInvalid(Map.of("registry.url", "sr:8081"), "registry.url must be an http:// or https:// URL");
        assertInvalid(Map.of("registry.api", "karapace"), "registry.api must be one of");
        assertInvalid(Map.of("registry.auth", "basic"), "registry.auth=basic needs registry.username");
        assertInvalid(Map.of("registry.subject-strategy", "latest"), "registry.subject-strategy must be one of");
        assertInvalid(
                Map.of("registry.retry-backoff", "1 min", "registry.retry-backoff-max", "1 s"),
                "registry.retry-backoff-max");
        if (System.getenv("BAYESVLM_REGISTRY_TOKEN") == null) {
            assertInvalid(Map.of("registry.auth", "bearer"), "registry.auth=bearer needs registry.bearer-token");
        }
        assertInvalid(
                Map.of("registry.auth", "bearer", "registry.bearer-token", "t", "registry.api", "apicurio"),
                "registry.auth=bearer needs registry.api=confluent");
    }

    @Test
    void autoRoutingNeedsCertifiedThresholdsAndStartsOnAFixedScore() {
        JobConfig auto = JobConfig.from(Configuration.fromMap(
                Map.of("routing.score", "auto", "routing.mode", "risk", "failure.start-score", "mutual_info")));
        assertThat(auto.failure().auto()).isTrue();
        assertThat(auto.failure().learn()).as("auto learns").isTrue();
        assertThat(auto.routing().score().jsonName()).isEqualTo("mutual_info");
        assertThat(JobConfig.defaults().failure().learn()).isFalse();
        assertInvalid(
                Map.of("routing.score", "auto"), "routing.score=auto switches scores only on certified thresholds");
        assertInvalid(
                Map.of("routing.score", "auto", "routing.mode", "risk", "routing.certify", "window"),
                "routing.certify=sequence");
        assertInvalid(
                Map.of("routing.score", "auto", "routing.mode", "risk", "failure.start-score", "learned"),
                "failure.start-score must be a fixed score");
        assertInvalid(Map.of("failure.window-labels", "5"), "failure.window-labels must be at least 10");
    }

    private static void assertInvalid(Map<String, String> values, String message) {
        assertThatThrownBy(() -> JobConfig.from(Configuration.fromMap(values))).hasMessageContaining(message);
    }
}
