package io.bayesvlm.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.serde.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The review service against a real broker: two instances sharing one queue, and a restart from the changelog. */
class ReviewServiceITCase {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final AtomicInteger RUN = new AtomicInteger();
    private static TestKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void broker() throws Exception {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    /** Fresh topics and application id per test; review requests (and so commands) with {@code partitions}. */
    private String[] topics(int partitions) throws Exception {
        String s = "-" + RUN.incrementAndGet() + "-" + System.nanoTime();
        String[] t = {
            "review-requests" + s,
            "labels" + s,
            "calibration" + s,
            "dead-letters" + s,
            "review-commands" + s,
            "labels-by-item" + s
        };
        kafka.createTopics(List.of(t[0]), partitions);
        kafka.createTopics(List.of(t[1], t[2], t[3]), 1);
        return t;
    }

    private ReviewConfig config(String[] t, String app, String stateDir) throws Exception {
        return TestRequests.config(
                dir,
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "application.id",
                app,
                "topics.review-requests",
                t[0],
                "topics.labels",
                t[1],
                "topics.calibration",
                t[2],
                "topics.dead-letters",
                t[3],
                "topics.commands",
                t[4],
                "topics.labels-by-item",
                t[5],
                "http.port",
                "0",
                "state.dir",
                dir.resolve(stateDir).toString(),
                "auth.session-secret",
                "test-secret",
                "queue.lease",
                "5 min");
    }

    private static void produce(String topic, List<ReviewRequest> requests) {
        AvroCodec<ReviewRequest> codec = new AvroCodec<>(ReviewRequest.class);
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (ReviewRequest r : requests) {
                KafkaTestUtil.send(p, topic, r.getEventId(), codec.encode(topic, r));
            }
            KafkaTestUtil.send(p, topic, "garbage", "not a review request".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static List<ReviewRequest> requests(int uncertain) {
        List<ReviewRequest> out = new ArrayList<>();
        for (int i = 0; i < uncertain; i++) {
            out.add(TestRequests.request("item|" + i, ReviewReason.UNCERTAIN, 0.1 * (i + 1), new byte[] {
                (byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0, 0, 0
            }));
        }
        out.add(TestRequests.request("audit|0", ReviewReason.AUDIT, 0, null));
        return out;
    }

    private static void awaitPending(ApiClient c, long pending) throws Exception {
        await(pending + " pending items")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    ApiClient.Answer a = c.get("/api/queue");
                    assertThat(a.status()).isEqualTo(200);
                    assertThat(a.json().path("pending").asLong())
                            .as("pending items in " + a.json())
                            .isEqualTo(pending);
                });
    }

    /**
     * The startup advice reads the broker's transaction retry backoff from the real broker (the embedded one sets
     * 1 ms, Kafka's image keeps the default 20 ms); {@link BrokerAdviceTest} has what is advised for each.
     */
    @Test
    void theBrokersTransactionRetryBackoffIsReadForTheStartupAdvice() {
        long expected = kafka.kind() == TestKafka.Kind.EMBEDDED ? 1 : 20;
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            assertThat(BrokerAdvice.transactionRetryBackoff(admin, Duration.ofSeconds(30)))
                    .hasValue(expected);
        }
    }

    /**
     * A review request whose image was too large to travel inline carries a claim check: the service reads the image
     * event from the image-events topic, serves the image when id and hash match, and refuses a tampered hash or a
     * reference to another topic.
     */
    @Test
    void aClaimCheckedImageIsReadFromTheImageEventsTopicAndVerified() throws Exception {
        String[] t = topics(1);
        String images = "image-events-" + RUN.incrementAndGet() + "-" + System.nanoTime();
        kafka.createTopics(List.of(images), 1);
        byte[] png = new byte[300_000];
        new java.util.Random(5).nextBytes(png);
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 0, png, 0, 8);
        io.bayesvlm.avro.ImageEvent event = io.bayesvlm.avro.ImageEvent.newBuilder()
                .setEventId("claim|ok")
                .setEventTime(java.time.Instant.now())
                .setSource("it")
                .setImage(java.nio.ByteBuffer.wrap(png))
                .build();
        org.apache.kafka.clients.producer.RecordMetadata at;
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            at = p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            images,
                            "claim|ok".getBytes(StandardCharsets.UTF_8),
                            new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class).encode(event)))
                    .get();
        }
        ReviewRequest ok = TestRequests.request("claim|ok", ReviewReason.UNCERTAIN, 0.5, null);
        ok.setImageRef(io.bayesvlm.serde.ImageClaimCheck.of(images, at.partition(), at.offset(), "claim|ok", png)
                .toUri());
        ReviewRequest tampered = TestRequests.request("claim|tampered", ReviewReason.UNCERTAIN, 0.4, null);
        tampered.setImageRef(io.bayesvlm.serde.ImageClaimCheck.of(
                        images, at.partition(), at.offset(), "claim|ok", new byte[] {1, 2, 3})
                .toUri());
        ReviewRequest elsewhere = TestRequests.request("claim|elsewhere", ReviewReason.UNCERTAIN, 0.3, null);
        elsewhere.setImageRef(io.bayesvlm.serde.ImageClaimCheck.of(t[1], 0, 0, "claim|ok", png)
                .toUri());
        produce(t[0], List.of(ok, tampered, elsewhere));
        ReviewConfig c = TestRequests.config(
                dir,
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "application.id",
                "review-claim-" + RUN.get(),
                "topics.review-requests",
                t[0],
                "topics.labels",
                t[1],
                "topics.calibration",
                t[2],
                "topics.dead-letters",
                t[3],
                "topics.commands",
                t[4],
                "topics.labels-by-item",
                t[5],
                "topics.image-events",
                images,
                "http.port",
                "0",
                "state.dir",
                dir.resolve("claim").toString(),
                "auth.session-secret",
                "test-secret");
        try (ReviewService s = ReviewService.start(c)) {
            s.awaitRunning(WAIT);
            ApiClient alice = ApiClient.signIn(s.url(), "alice", "alice");
            awaitPending(alice, 3);
            ApiClient.Answer image = alice.get(ApiClient.item("claim|ok") + "/image");
            assertThat(image.status()).isEqualTo(200);
            assertThat(image.body()).isEqualTo(png);
            assertThat(image.raw().headers().firstValue("Content-Type")).hasValue("image/png");
            assertThat(alice.get(ApiClient.item("claim|tampered") + "/image").status())
                    .isEqualTo(502);
            assertThat(alice.get(ApiClient.item("claim|elsewhere") + "/image").status())
                    .isEqualTo(403);
        }
    }

    @Test
    void twoInstancesServeOneQueueAndEachLabelLeavesExactlyOnce() throws Exception {
        String[] t = topics(2);
        produce(t[0], requests(6));
        String app = "review-it-" + RUN.get();
        try (ReviewService a = ReviewService.start(config(t, app, "a"));
                ReviewService b = ReviewService.start(config(t, app, "b"))) {
            a.awaitRunning(WAIT);
            b.awaitRunning(WAIT);
            ApiClient alice = ApiClient.signIn(a.url(), "alice", "alice");
            ApiClient bobOnB = ApiClient.signIn(b.url(), "bob", "bob");
            awaitPending(alice, 7);
            awaitPending(bobOnB, 7);

            // Every item is answered through either instance: the one that does not own it asks the owner.
            for (ReviewRequest r : requests(6)) {
                assertThat(alice.await(ApiClient.item(r.getEventId()), 200, WAIT)
                                .json()
                                .path("eventId")
                                .asText())
                        .isEqualTo(r.getEventId());
                assertThat(bobOnB.await(ApiClient.item(r.getEventId()), 200, WAIT)
                                .json()
                                .path("status")
                                .asText())
                        .isEqualTo("PENDING");
            }
            // audits are blind: no model output for them, through either instance
            for (ApiClient c : List.of(alice, bobOnB)) {
                var audit = c.get(ApiClient.item("audit|0")).json();
                assertThat(audit.path("reason").asText()).isEqualTo("AUDIT");
                assertThat(audit.path("topK")).isEmpty();
                assertThat(audit.path("uncertainty")).isEmpty();
                assertThat(audit.path("routingScore").isNull()).isTrue();
                assertThat(audit.path("classes")).isNotEmpty();
            }
            assertThat(alice.get(ApiClient.item("item|2")).json().path("topK")).isNotEmpty();
            assertThat(bobOnB.get(ApiClient.item("item|2") + "/image")
                            .raw()
                            .headers()
                            .firstValue("Content-Type"))
                    .hasValue("image/png");

            // alice gets the most uncertain item, then bob the next one; neither gets the other's
            ApiClient.Answer first = alice.post("/api/queue/next", Map.of());
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.json().path("eventId").asText()).isEqualTo("item|5");
            assertThat(first.json().path("claimedBy").asText()).isEqualTo("alice");
            assertThat(alice.post("/api/queue/next", Map.of())
                            .json()
                            .path("eventId")
                            .asText())
                    .as("a reload gives alice the item she holds")
                    .isEqualTo("item|5");
            assertThat(bobOnB.post("/api/queue/next", Map.of())
                            .json()
                            .path("eventId")
                            .asText())
                    .isEqualTo("item|4");
            assertThat(bobOnB.post(ApiClient.item("item|5") + "/label", Map.of("label", "coat"))
                            .status())
                    .as("alice holds it")
                    .isEqualTo(409);

            // alice labels through instance b (whichever owns it), once; a second label is refused
            ApiClient aliceOnB = ApiClient.signIn(b.url(), "alice", "alice");
            assertThat(aliceOnB.post(ApiClient.item("item|5") + "/label", Map.of("label", "coat"))
                            .status())
                    .isEqualTo(200);
            assertThat(alice.post(ApiClient.item("item|5") + "/label", Map.of("label", "dress"))
                            .status())
                    .isEqualTo(409);
            assertThat(alice.post(ApiClient.item("nope") + "/label", Map.of("label", "dress"))
                            .status())
                    .isEqualTo(404);
            assertThat(alice.post(ApiClient.item("item|4") + "/label", Map.of("label", "<b>no</b>"))
                            .status())
                    .as("not a class")
                    .isEqualTo(409);
            assertThat(bobOnB.post(ApiClient.item("item|4") + "/label", Map.of("label", "<b>no</b>"))
                            .status())
                    .as("not a class")
                    .isEqualTo(400);

            // the calibration history lives on the one instance owning the calibration partition; both answer it
            try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                AvroCodec<io.bayesvlm.avro.CalibrationReport> codec =
                        new AvroCodec<>(io.bayesvlm.avro.CalibrationReport.class);
                for (int w = 0; w < 3; w++) {
                    KafkaTestUtil.send(p, t[2], "m", codec.encode(t[2], ReviewUiBrowserITCase.report(w)));
                }
            }
            for (ApiClient c : List.of(alice, bobOnB)) {
                ApiClient.Answer h = await("three calibration windows in the history")
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> c.get("/api/calibration/history"),
                                history -> history.json().size() >= 3);
                assertThat(h.json()).hasSize(3);
                assertThat(h.json().get(2).path("windowEnd").asLong())
                        .isGreaterThan(h.json().get(0).path("windowEnd").asLong());
                assertThat(c.get("/api/calibration/latest")
                                .json()
                                .get(0)
                                .path("bayes")
                                .path("ece")
                                .asDouble())
                        .isEqualTo(0.07, org.assertj.core.data.Offset.offset(1e-12));
            }

            // roles and sign-in
            ApiClient carol = ApiClient.signIn(a.url(), "carol", "carol");
            assertThat(carol.post("/api/queue/next", Map.of()).status()).isEqualTo(403);
            assertThat(carol.get("/api/calibration/latest").status()).isEqualTo(200);
            assertThat(ApiClient.anonymous(a.url()).get("/api/queue").status()).isEqualTo(401);
            assertThat(ApiClient.anonymous(a.url())
                            .post("/api/login", Map.of("username", "alice", "password", "x"))
                            .status())
                    .isEqualTo(401);

            List<LabelEvent> labels = KafkaTestUtil.readAll(kafka.bootstrapServers(), t[1], LabelEvent.class);
            assertThat(labels).hasSize(1);
            LabelEvent l = labels.get(0);
            assertThat(l.getEventId()).isEqualTo("item|5");
            assertThat(l.getLabel()).isEqualTo("coat");
            assertThat(l.getLabelSource()).isEqualTo(LabelSource.REVIEWER);
            assertThat(l.getReviewerId()).as("from the sign-in").isEqualTo("alice");
            assertThat(l.getReviewDurationMs()).isNotNull().isGreaterThanOrEqualTo(0L);

            List<DeadLetter> dead = KafkaTestUtil.readAll(kafka.bootstrapServers(), t[3], DeadLetter.class);
            assertThat(dead).extracting(DeadLetter::getEventId).containsExactly("garbage");
        }
    }

    /**
     * A producer that is not Kafka's Java client (librdkafka hashes keys with another function) puts a request in
     * another partition than the one its key maps to here: the service re-keys every request onto its own topic, so
     * the item is found, served and labelled all the same.
     */
    @Test
    void aRequestInAnotherPartitionThanItsKeyMapsToIsServed() throws Exception {
        String[] t = topics(2);
        String id = "foreign|1";
        int javaPartition = org.apache.kafka.common.utils.Utils.toPositive(
                        org.apache.kafka.common.utils.Utils.murmur2(id.getBytes(StandardCharsets.UTF_8)))
                % 2;
        AvroCodec<ReviewRequest> codec = new AvroCodec<>(ReviewRequest.class);
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            t[0],
                            1 - javaPartition, // where another client's partitioner may put it
                            id.getBytes(StandardCharsets.UTF_8),
                            codec.encode(t[0], TestRequests.request(id, ReviewReason.UNCERTAIN, 0.5, null))))
                    .get();
        }
        try (ReviewService s = ReviewService.start(config(t, "review-it-" + RUN.get(), "foreign"))) {
            s.awaitRunning(WAIT);
            ApiClient alice = ApiClient.signIn(s.url(), "alice", "alice");
            alice.await(ApiClient.item(id), 200, WAIT);
            assertThat(alice.post("/api/queue/next", Map.of())
                            .json()
                            .path("eventId")
                            .asText())
                    .isEqualTo(id);
            assertThat(alice.post(ApiClient.item(id) + "/label", Map.of("label", "coat"))
                            .status())
                    .isEqualTo(200);
            assertThat(KafkaTestUtil.readAll(kafka.bootstrapServers(), t[1], LabelEvent.class))
                    .extracting(LabelEvent::getEventId)
                    .containsExactly(id);
        }
    }

    @Test
    void aRestartedInstanceWithoutLocalStateRebuildsTheQueueFromTheChangelog() throws Exception {
        String[] t = topics(1);
        produce(t[0], requests(3));
        String app = "review-restart-" + RUN.get();
        String before;
        try (ReviewService s = ReviewService.start(config(t, app, "first"))) {
            s.awaitRunning(WAIT);
            ApiClient alice = ApiClient.signIn(s.url(), "alice", "alice");
            awaitPending(alice, 4);
            assertThat(alice.post("/api/queue/next", Map.of())
                            .json()
                            .path("eventId")
                            .asText())
                    .isEqualTo("item|2");
            assertThat(alice.post(ApiClient.item("audit|0") + "/label", Map.of("label", "dress"))
                            .status())
                    .isEqualTo(200);
            before = alice.get("/api/queue").json().toString();
        }
        // a new machine: empty state directory, same application id
        try (ReviewService s = ReviewService.start(config(t, app, "second"))) {
            s.awaitRunning(WAIT);
            ApiClient alice = ApiClient.signIn(s.url(), "alice", "alice");
            assertThat(alice.await("/api/queue", 200, WAIT).json().toString()).isEqualTo(before);
            assertThat(alice.get(ApiClient.item("item|2"))
                            .json()
                            .path("claimedBy")
                            .asText())
                    .isEqualTo("alice");
            assertThat(alice.post(ApiClient.item("audit|0") + "/label", Map.of("label", "coat"))
                            .status())
                    .as("still labelled after the restore")
                    .isEqualTo(409);
            assertThat(alice.post("/api/queue/next", Map.of())
                            .json()
                            .path("eventId")
                            .asText())
                    .as("alice's claim survived")
                    .isEqualTo("item|2");
        }
        List<LabelEvent> labels = KafkaTestUtil.readAll(kafka.bootstrapServers(), t[1], LabelEvent.class);
        assertThat(labels).extracting(LabelEvent::getEventId).containsExactly("audit|0");
        assertThat(labels.get(0).getLabelSource()).isEqualTo(LabelSource.AUDIT);
    }
}
