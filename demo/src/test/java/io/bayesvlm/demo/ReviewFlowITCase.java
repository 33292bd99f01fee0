package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.config.Options;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.embedded.EmbeddedRegistry;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.flink.FlinkSettings;
import io.bayesvlm.flink.ItConfig;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.ModerationJob;
import io.bayesvlm.flink.TestImages;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.review.ApiClient;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewService;
import io.bayesvlm.review.http.Passwords;
import io.bayesvlm.serde.RecordCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job and the review service together against a real broker and a real schema registry: the job's review
 * requests fill the queue, a reviewer labels one through the HTTP API, its LabelEvent is on the labels topic
 * exactly once (Confluent wire format), and the job's calibration report for that window counts it.
 */
class ReviewFlowITCase {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aLabelFromTheReviewUiReachesTheJobsCalibrationExactlyOnce() throws Exception {
        try (TestKafka kafka = TestKafka.start();
                EmbeddedRegistry registry = EmbeddedRegistry.start()) {
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            Map<String, String> extra = new HashMap<>();
            extra.put("registry.url", registry.confluentUrl());
            extra.put("registry.auto-register", "true");
            extra.put("calibration.join-decisions", "routed");
            extra.put("calibration.max-label-delay", "1 s");
            extra.put("routing.audit-fraction", "0");
            extra.put("routing.threshold", "1.5"); // max_prob is below it: every decision goes to review
            JobConfig job = ItConfig.of(kafka, suffix, extra);

            StreamExecutionEnvironment env = LocalFlink.environment(1);
            FlinkSettings.configure(env, job);
            ModerationJob.buildPipeline(env, KafkaEndpoints.sources(job, false), KafkaEndpoints.sinks(job), job);
            JobClient running = env.executeAsync("it-review-flow");
            try (ReviewService service = ReviewService.start(reviewConfig(kafka, registry, job, suffix))) {
                // 16 images, 1 s apart in event time, ten minutes ago
                RecordCodec<ImageEvent> images = RecordCodec.of(ImageEvent.class, job.registry());
                List<SampleImages.Item> items =
                        SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"));
                long t0 = System.currentTimeMillis() - 600_000;
                Map<String, String> truth = new HashMap<>();
                try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                    for (int i = 0; i < 16; i++) {
                        String id = "e-" + i;
                        truth.put(id, items.get(i).label());
                        KafkaTestUtil.send(
                                p,
                                job.topics().images(),
                                id,
                                images.encode(
                                        job.topics().images(),
                                        TestImages.event(
                                                id,
                                                t0 + 1000L * i,
                                                "it",
                                                Files.readAllBytes(items.get(i).file()))));
                    }
                }
                service.awaitRunning(WAIT);

                // a reviewer signs in, takes the next item and labels it with its true class
                ApiClient alice = ApiClient.signIn(service.url(), "alice", "alice");
                JsonNode item = await("a review request from the job reached the queue")
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(
                                () -> {
                                    ApiClient.Answer next = alice.post("/api/queue/next", Map.of());
                                    return next.status() == 200 ? next.json() : null;
                                },
                                Objects::nonNull);
                String id = item.path("eventId").asText();
                assertThat(item.path("reason").asText()).isEqualTo("UNCERTAIN");
                assertThat(item.path("classes").size())
                        .as("every class of the model")
                        .isEqualTo(10);
                assertThat(item.path("uncertainty").has("mutual_info")).isTrue();
                assertThat(alice.post(ApiClient.item(id) + "/label", Map.of("label", truth.get(id)))
                                .status())
                        .isEqualTo(200);
                assertThat(alice.post(ApiClient.item(id) + "/label", Map.of("label", truth.get(id)))
                                .status())
                        .as("a retry of the same label by the same reviewer: the same answer")
                        .isEqualTo(200);
                String other = truth.get(id).equals("coat") ? "dress" : "coat";
                assertThat(alice.post(ApiClient.item(id) + "/label", Map.of("label", other))
                                .status())
                        .as("labelled once")
                        .isEqualTo(409);

                // exactly one LabelEvent (the retry made none), in the registry's wire format, with the reviewer from
                // the sign-in; the 200 came after its transaction committed.
                RecordCodec<LabelEvent> labels = RecordCodec.of(LabelEvent.class, job.registry());
                await("the LabelEvent committed")
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> KafkaTestUtil.readCommittedSoFar(
                                                kafka.bootstrapServers(),
                                                job.topics().labels())
                                        .size(),
                                n -> n >= 1);
                List<ConsumerRecord<byte[], byte[]>> records = KafkaTestUtil.readAll(
                        kafka.bootstrapServers(), job.topics().labels());
                assertThat(records).hasSize(1);
                assertThat(records.get(0).value()[0]).as("Confluent magic byte").isEqualTo((byte) 0);
                LabelEvent label =
                        labels.decode(job.topics().labels(), records.get(0).value());
                assertThat(label.getEventId()).isEqualTo(id);
                assertThat(label.getReviewerId()).isEqualTo("alice");
                assertThat(label.getLabelSource()).isEqualTo(LabelSource.REVIEWER);

                // a later event (now: within events.max-future, so it moves the watermark) moves event time on, so
                // the windows holding the labelled decision close
                try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                    for (int i = 0; i < 4; i++) {
                        String late = "late-" + i;
                        KafkaTestUtil.send(
                                p,
                                job.topics().images(),
                                late,
                                images.encode(
                                        job.topics().images(),
                                        TestImages.event(
                                                late,
                                                t0 + 600_000L + i,
                                                "it",
                                                Files.readAllBytes(items.get(i).file()))));
                    }
                }
                // ... and its label (in its own, later window) lets those windows close
                String lateId = await("a later item to label")
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(
                                () -> {
                                    ApiClient.Answer next = alice.post("/api/queue/next", Map.of());
                                    String nextId = next.status() == 200
                                            ? next.json().path("eventId").asText()
                                            : "";
                                    if (next.status() == 200 && !nextId.startsWith("late-")) {
                                        alice.post(
                                                ApiClient.item(nextId) + "/skip",
                                                Map.of()); // not offered to alice again
                                    }
                                    return nextId;
                                },
                                nextId -> nextId.startsWith("late-"));
                assertThat(alice.post(ApiClient.item(lateId) + "/label", Map.of("label", "coat"))
                                .status())
                        .isEqualTo(200);

                long eventTime = item.path("eventTime").asLong();
                RecordCodec<CalibrationReport> reports = RecordCodec.of(CalibrationReport.class, job.registry());
                List<CalibrationReport> covering = await("calibration reports for the windows holding " + id)
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(500))
                        .until(
                                () ->
                                        KafkaTestUtil.readCommittedSoFar(
                                                        kafka.bootstrapServers(),
                                                        job.topics().calibration())
                                                .stream()
                                                .map(r -> decode(
                                                        reports, job.topics().calibration(), r.value()))
                                                .filter(r -> r.getWindowStart().toEpochMilli() <= eventTime
                                                        && eventTime
                                                                < r.getWindowEnd()
                                                                        .toEpochMilli())
                                                .toList(),
                                covers -> !covers.isEmpty());
                assertThat(covering).allSatisfy(r -> {
                    assertThat(r.getLabelled())
                            .as("the one label from the review UI")
                            .isEqualTo(1);
                    assertThat(r.getReviewed()).isEqualTo(1);
                    assertThat(r.getAudited()).isZero();
                });
            } finally {
                running.cancel().get();
            }

            // A registry mistake is found at startup, not at the first label: labels to a topic whose subject is not
            // registered, with auto-registration off.
            ReviewConfig base = reviewConfig(kafka, registry, job, suffix + "-x");
            Map<String, String> m = new HashMap<>();
            m.put("bootstrap.servers", base.bootstrapServers());
            m.put("application.id", base.applicationId());
            m.put("topics.review-requests", base.topics().reviews());
            m.put("topics.labels", "labels-never-registered-" + suffix);
            m.put("topics.calibration", base.topics().calibration());
            m.put("topics.dead-letters", base.topics().deadLetters());
            m.put("registry.url", registry.confluentUrl());
            m.put("registry.auto-register", "false");
            m.put("auth.users-file", base.usersFile().toString());
            m.put("http.port", "0");
            m.put("state.dir", dir.resolve("state-x").toString());
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> ReviewService.start(ReviewConfig.from(new Options(m))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("labels-never-registered-" + suffix)
                    .hasMessageContaining("registry.auto-register");
        }
    }

    private static CalibrationReport decode(RecordCodec<CalibrationReport> codec, String topic, byte[] value) {
        try {
            return codec.decode(topic, value);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private ReviewConfig reviewConfig(TestKafka kafka, EmbeddedRegistry registry, JobConfig job, String suffix)
            throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "alice:reviewer:" + Passwords.hash("alice".toCharArray()) + "\n");
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.bootstrapServers());
        m.put("application.id", "review-flow-" + suffix);
        m.put("topics.review-requests", job.topics().reviews());
        m.put("topics.labels", job.topics().labels());
        m.put("topics.calibration", job.topics().calibration());
        m.put("topics.dead-letters", job.topics().deadLetters());
        m.put("topics.commands", "review-commands-" + suffix);
        m.put("topics.labels-by-item", "review-labels-by-item-" + suffix);
        m.put("registry.url", registry.confluentUrl());
        m.put("registry.auto-register", "true");
        m.put("auth.users-file", users.toString());
        m.put("http.port", "0");
        m.put("state.dir", dir.resolve("state").toString());
        return ReviewConfig.from(new Options(m));
    }
}
