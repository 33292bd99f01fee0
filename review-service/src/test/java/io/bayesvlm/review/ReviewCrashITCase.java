package io.bayesvlm.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.embedded.ChildJvm;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.serde.AvroCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes under load: two instances as processes of their own, 8 scripted reviewers labelling through both, and
 * three {@code kill -9} (one of an instance still restoring its state). Every label answered 200 is on the labels
 * topic exactly once (read_committed), no item is labelled twice, and no item stays claimed past its lease.
 */
@Tag("cluster")
class ReviewCrashITCase {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int ITEMS = 160;
    private static final int REVIEWERS = 8;

    @TempDir
    Path dir;

    /** One instance: a child JVM on a fixed port and state directory, so a restart is the same instance. */
    final class Instance {
        final String name;
        final int port;
        final List<String> args;
        Process process;

        Instance(String name, List<String> args) throws IOException {
            this.name = name;
            try (ServerSocket s = new ServerSocket(0)) {
                this.port = s.getLocalPort();
            }
            this.args = new ArrayList<>(args);
            this.args.addAll(List.of(
                    "--http.port",
                    Integer.toString(port),
                    "--state.dir",
                    dir.resolve(name).toString()));
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }

        void start() throws IOException {
            process = new ProcessBuilder(ChildJvm.command(ReviewService.class, List.of(), args))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".log").toFile())
                    .start();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor(); // SIGKILL: no clean shutdown, no leaving the group
        }

        int health() {
            try {
                return HTTP.send(
                                HttpRequest.newBuilder(URI.create(url() + "/api/health"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (Exception e) {
                return -1;
            }
        }
    }

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static HttpResponse<String> post(String url, String user, String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url + path))
                        .timeout(Duration.ofSeconds(30))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void labelsAnswered200SurviveKillsExactlyOnceAndNothingStaysClaimed() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            String s = "-crash-" + System.nanoTime();
            String reviews = "review-requests" + s;
            String labels = "labels" + s;
            kafka.createTopics(List.of(reviews), 2);
            kafka.createTopics(List.of(labels, "calibration" + s, "dead-letters" + s), 1);
            StringBuilder users = new StringBuilder();
            for (int r = 0; r < REVIEWERS; r++) {
                users.append("r")
                        .append(r)
                        .append(":reviewer:")
                        .append(io.bayesvlm.review.http.Passwords.hash(("r" + r).toCharArray()))
                        .append('\n');
            }
            java.nio.file.Files.writeString(dir.resolve("users"), users.toString());
            AvroCodec<ReviewRequest> codec = new AvroCodec<>(ReviewRequest.class);
            try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                for (int i = 0; i < ITEMS; i++) {
                    String id = "c|" + i;
                    KafkaTestUtil.send(
                            p,
                            reviews,
                            id,
                            codec.encode(reviews, TestRequests.request(id, ReviewReason.UNCERTAIN, 0.5, null)));
                }
            }
            List<String> common = List.of(
                    "--bootstrap.servers",
                    kafka.bootstrapServers(),
                    "--application.id",
                    "review-crash" + s.replace('|', '-'),
                    "--topics.review-requests",
                    reviews,
                    "--topics.labels",
                    labels,
                    "--topics.calibration",
                    "calibration" + s,
                    "--topics.dead-letters",
                    "dead-letters" + s,
                    "--auth.users-file",
                    dir.resolve("users").toString(),
                    "--auth.session-secret",
                    "crash-test-secret",
                    "--queue.lease",
                    "15 s");
            Instance a = new Instance("a", common);
            Instance b = new Instance("b", common);
            a.start();
            b.start();
            try {
                for (Instance i : List.of(a, b)) {
                    await(i.name + " serving").atMost(WAIT).until(() -> i.health() == 200);
                }
                Map<String, String> acked = new ConcurrentHashMap<>(); // event id -> reviewer answered 200
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger errors = new AtomicInteger();
                List<Thread> reviewers = new ArrayList<>();
                for (int r = 0; r < REVIEWERS; r++) {
                    String user = "r" + r;
                    Instance[] order = r % 2 == 0 ? new Instance[] {a, b} : new Instance[] {b, a};
                    Thread t = new Thread(() -> review(user, order, acked, stop, errors), "reviewer-" + user);
                    t.start();
                    reviewers.add(t);
                }
                // three kills: b under load, b again while it restores, then a
                Thread.sleep(4_000);
                b.kill();
                Thread.sleep(2_000);
                b.start();
                // killed as soon as it listens: its stream tasks are then still joining and restoring (health 503)
                await("b listening again")
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> b.health() != -1);
                b.kill();
                b.start();
                await("b serving again").atMost(WAIT).until(() -> b.health() == 200);
                Thread.sleep(3_000);
                a.kill();
                Thread.sleep(2_000);
                a.start();
                await("a serving again").atMost(WAIT).until(() -> a.health() == 200);
                await("every item labelled")
                        .atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> KafkaTestUtil.readAll(kafka.bootstrapServers(), labels, LabelEvent.class)
                                        .size()
                                >= ITEMS);
                stop.set(true);
                for (Thread t : reviewers) {
                    t.join(30_000);
                }

                List<LabelEvent> written = KafkaTestUtil.readAll(kafka.bootstrapServers(), labels, LabelEvent.class);
                Map<String, List<LabelEvent>> byId =
                        written.stream().collect(Collectors.groupingBy(LabelEvent::getEventId));
                System.out.printf(
                        "crash test: %d labels answered 200, %d LabelEvents, %d errors and retries%n",
                        acked.size(), written.size(), errors.get());
                assertThat(byId.values())
                        .as("no item labelled twice")
                        .allSatisfy(l -> assertThat(l).hasSize(1));
                assertThat(byId).hasSize(ITEMS);
                acked.forEach((id, reviewer) -> assertThat(byId.get(id))
                        .as("the label answered 200 for %s is on the topic, from its reviewer", id)
                        .singleElement()
                        .satisfies(l -> assertThat(l.getReviewerId()).isEqualTo(reviewer)));
                assertThat(acked).as("labels answered 200 under the kills").hasSizeGreaterThan(ITEMS / 2);
                // and nothing is left claimed (every item is DONE here, so no lease can be pending)
                HttpResponse<String> queue = HTTP.send(
                        HttpRequest.newBuilder(URI.create(a.url() + "/api/queue"))
                                .header(
                                        "Authorization",
                                        "Basic "
                                                + Base64.getEncoder()
                                                        .encodeToString("r0:r0".getBytes(StandardCharsets.UTF_8)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                var counts = JsonSerde.MAPPER.readTree(queue.body());
                assertThat(counts.path("claimed").asLong()).isZero();
                assertThat(counts.path("pending").asLong()).isZero();
            } finally {
                for (Instance i : List.of(a, b)) {
                    if (i.process != null) {
                        i.kill();
                    }
                }
            }
        }
    }

    /** A reviewer: next, then label it, through its instance, the other one when that is down; until stopped. */
    private static void review(
            String user, Instance[] order, Map<String, String> acked, AtomicBoolean stop, AtomicInteger errors) {
        int turn = 0;
        while (!stop.get()) {
            String url = order[turn % 2].url();
            try {
                HttpResponse<String> next = post(url, user, "/api/queue/next", "{}");
                if (next.statusCode() == 204) {
                    Thread.sleep(200);
                    continue;
                }
                if (next.statusCode() != 200) {
                    errors.incrementAndGet();
                    Thread.sleep(100);
                    continue;
                }
                String id =
                        JsonSerde.MAPPER.readTree(next.body()).path("eventId").asText();
                String path = "/api/items/" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8) + "/label";
                for (int attempt = 0; attempt < 20 && !stop.get(); attempt++) {
                    HttpResponse<String> l = post(url, user, path, "{\"label\": \"coat\"}");
                    if (l.statusCode() == 200) {
                        acked.put(id, user);
                        break;
                    }
                    if (l.statusCode() == 409 || l.statusCode() == 404) {
                        break; // someone else's now (the lease ran out while this reviewer's instance was down)
                    }
                    errors.incrementAndGet();
                    Thread.sleep(200); // 503: the instance restarts or the group rebalances; the retry is idempotent
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                errors.incrementAndGet();
                turn++; // this instance is down: the other one
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
