package io.bayesvlm.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.serde.AvroCodec;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review service under attack, against a real broker: a rogue instance that advertises a listener, slow
 * clients, password guessing, a second deployment on the same broker, a stolen cookie after sign-out, and a
 * reviewer calling the instance-to-instance API.
 */
class ReviewSecurityITCase {
    private static final Duration WAIT = Duration.ofSeconds(60);
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

    /** Fresh job topics (review requests with {@code partitions}, labels, calibration, dead letters). */
    private String[] topics(int partitions) throws Exception {
        String s = "-sec-" + RUN.incrementAndGet() + "-" + System.nanoTime();
        String[] t = {"review-requests" + s, "labels" + s, "calibration" + s, "dead-letters" + s};
        kafka.createTopics(List.of(t[0]), partitions);
        kafka.createTopics(List.of(t[1], t[2], t[3]), 1);
        return t;
    }

    /** The service's own topics follow from the application id. */
    private ReviewConfig config(String[] t, String app, String stateDir, String... more) throws Exception {
        List<String> kv = new ArrayList<>(List.of(
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
                "http.port",
                "0",
                "state.dir",
                dir.resolve(stateDir).toString(),
                "auth.session-secret",
                "shared-test-secret",
                "queue.lease",
                "5 min"));
        kv.addAll(List.of(more));
        return TestRequests.config(dir, kv.toArray(String[]::new));
    }

    private static void produce(String topic, int items) {
        AvroCodec<ReviewRequest> codec = new AvroCodec<>(ReviewRequest.class);
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < items; i++) {
                ReviewRequest r = TestRequests.request("item|" + i, ReviewReason.UNCERTAIN, 0.1 * (i + 1), new byte[] {
                    (byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0, 0, 0
                });
                KafkaTestUtil.send(p, topic, r.getEventId(), codec.encode(topic, r));
            }
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A rogue member of the application's consumer group (same application id, the real topology) advertises a
     * plain listener as its HTTP endpoint. Requests the real instance forwards to it carry no user credential, and
     * what it answers (text/html with a script) is refused, never relayed.
     */
    @Test
    void aRoguePeerGetsNoCredentialAndItsHtmlIsNotRelayed() throws Exception {
        String[] t = topics(2);
        produce(t[0], 6);
        String app = "review-sec-" + RUN.get();
        List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        fake.createContext("/", ex -> {
            seen.add(Map.copyOf(ex.getRequestHeaders()));
            ex.getRequestBody().readAllBytes();
            byte[] html = "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(200, html.length);
            ex.getResponseBody().write(html);
            ex.close();
        });
        fake.start();
        ReviewConfig rogueConfig = config(t, app, "rogue");
        KafkaStreams rogue = new KafkaStreams(
                ReviewTopology.buildTopology(rogueConfig),
                ReviewService.streamsProperties(
                        rogueConfig, new HostInfo("127.0.0.1", fake.getAddress().getPort())));
        try (ReviewService real = ReviewService.start(config(t, app, "real"))) {
            rogue.start();
            real.awaitRunning(WAIT);
            HttpClient http = HttpClient.newHttpClient();
            String auth = basic("alice", "alice");
            ApiClient alice = ApiClient.signIn(real.url(), "alice", "alice");
            // once the rogue holds a partition, the whole-queue count asks it, and its answer is refused
            HttpResponse<byte[]> counts = await("the rogue member holds a partition")
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> http.send(
                                    HttpRequest.newBuilder(URI.create(real.url() + "/api/queue"))
                                            .header("Authorization", auth)
                                            .build(),
                                    HttpResponse.BodyHandlers.ofByteArray()),
                            r -> r.statusCode() == 502);
            assertThat(counts.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            assertThat(new String(counts.body(), StandardCharsets.UTF_8)).contains("peer signature");
            // every item: served by the real owner, or refused; never the rogue's page
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                for (String path : List.of(ApiClient.item("item|" + i), ApiClient.item("item|" + i) + "/image")) {
                    ApiClient.Answer a = alice.get(path);
                    String type = a.raw().headers().firstValue("Content-Type").orElse("");
                    assertThat(type).as(path).doesNotContain("html");
                    assertThat(new String(a.body(), StandardCharsets.UTF_8)).doesNotContain("<script>");
                    refused += a.status() == 502 ? 1 : 0;
                }
            }
            assertThat(refused).as("items owned by the rogue are refused").isPositive();
            assertThat(seen).as("the rogue was asked").isNotEmpty();
            for (Map<String, List<String>> headers : seen) {
                assertThat(headers.keySet())
                        .as("no credential reaches a peer")
                        .noneMatch(h -> h.equalsIgnoreCase("Authorization") || h.equalsIgnoreCase("Cookie"));
                assertThat(headers.toString())
                        .doesNotContain(auth.substring(6))
                        .doesNotContain(alice.cookie().substring(alice.cookie().indexOf('=') + 1));
            }
        } finally {
            rogue.close(Duration.ofSeconds(10));
            fake.stop(0);
        }
    }

    /**
     * 200 connections that send their headers one byte at a time hold threads only until http.request-timeout:
     * meanwhile /api/health answers every probe within a second, and afterwards the slow connections are closed.
     */
    @Test
    void slowClientsCannotStopTheService() throws Exception {
        String[] t = topics(1);
        try (ReviewService s =
                ReviewService.start(config(t, "review-sec-slow-" + RUN.get(), "slow", "http.request-timeout", "5 s"))) {
            s.awaitRunning(WAIT);
            URI uri = URI.create(s.url());
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    Socket socket = new Socket(uri.getHost(), uri.getPort());
                    socket.setSoTimeout(15_000);
                    OutputStream out = socket.getOutputStream();
                    out.write("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    slow.add(socket);
                }
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(1))
                        .build();
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                int probes = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create(s.url() + "/api/health"))
                                    .timeout(Duration.ofSeconds(1))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
                    probes++;
                    for (Socket socket : slow) {
                        try {
                            socket.getOutputStream().write('a'); // still sending, slowly
                        } catch (java.io.IOException e) {
                            // cut off by the server already: what it should do
                        }
                    }
                    Thread.sleep(100);
                }
                assertThat(probes).isGreaterThan(5);
                // past the request timeout the server has closed them: a read ends (or the connection resets)
                int closed = 0;
                for (Socket socket : slow) {
                    try (InputStream in = socket.getInputStream()) {
                        in.readAllBytes();
                        closed++;
                    } catch (java.net.SocketException e) {
                        closed++;
                    } catch (java.net.SocketTimeoutException e) {
                        // still open
                    }
                }
                assertThat(closed).as("slow connections closed by the server").isEqualTo(200);
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    /**
     * Password guessing: after five wrong passwords the name is locked out (429 with Retry-After), the right
     * password included, while a signed-in reviewer is served as before; after the lock the right one works.
     */
    @Test
    void passwordGuessingIsThrottledAndSignedInReviewersAreNotSlowedDown() throws Exception {
        String[] t = topics(1);
        try (ReviewService s = ReviewService.start(config(t, "review-sec-login-" + RUN.get(), "login"))) {
            s.awaitRunning(WAIT);
            ApiClient bob = ApiClient.signIn(s.url(), "bob", "bob");
            ApiClient guesser = ApiClient.anonymous(s.url());
            for (int i = 0; i < 5; i++) {
                assertThat(guesser.post("/api/login", Map.of("username", "alice", "password", "guess" + i))
                                .status())
                        .isEqualTo(401);
            }
            ApiClient.Answer locked = guesser.post("/api/login", Map.of("username", "alice", "password", "guess"));
            assertThat(locked.status()).isEqualTo(429);
            assertThat(locked.raw().headers().firstValue("Retry-After")).isPresent();
            assertThat(guesser.post("/api/login", Map.of("username", "alice", "password", "alice"))
                            .status())
                    .as("locked out: the right password too")
                    .isEqualTo(429);
            long t0 = System.nanoTime();
            assertThat(bob.get("/api/me").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
            // the lock runs out (1 s, then 2 s: the refused attempts while locked do not extend it)
            await("the lock runs out")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> guesser.post("/api/login", Map.of("username", "alice", "password", "alice"))
                                    .status()
                            == 200);
        }
    }

    /**
     * Two deployments (two application ids) on one broker, over the same review requests: a claim in one is not
     * seen in the other, and one label makes one LabelEvent (their commands topics are their own).
     */
    @Test
    void twoDeploymentsOnOneBrokerDoNotSeeEachOthersClaims() throws Exception {
        String[] t = topics(1);
        produce(t[0], 3);
        String base = "review-sec-two-" + RUN.get();
        try (ReviewService one = ReviewService.start(config(t, base + "-one", "one"));
                ReviewService two = ReviewService.start(config(t, base + "-two", "two"))) {
            one.awaitRunning(WAIT);
            two.awaitRunning(WAIT);
            ApiClient aliceOne = ApiClient.signIn(one.url(), "alice", "alice");
            ApiClient bobTwo = ApiClient.signIn(two.url(), "bob", "bob");
            aliceOne.await(ApiClient.item("item|2"), 200, WAIT);
            bobTwo.await(ApiClient.item("item|2"), 200, WAIT);
            ApiClient.Answer claimed = aliceOne.post("/api/queue/next", Map.of());
            assertThat(claimed.json().path("eventId").asText()).isEqualTo("item|2");
            assertThat(bobTwo.get(ApiClient.item("item|2"))
                            .json()
                            .path("status")
                            .asText())
                    .as("deployment two does not see deployment one's claim")
                    .isEqualTo("PENDING");
            assertThat(aliceOne.post(ApiClient.item("item|2") + "/label", Map.of("label", "coat"))
                            .status())
                    .isEqualTo(200);
            // the label closes the item in both (labels are shared), and there is exactly one
            await("deployment two sees the label")
                    .atMost(WAIT)
                    .until(
                            () -> bobTwo.get(ApiClient.item("item|2"))
                                    .json()
                                    .path("status")
                                    .asText(),
                            "DONE"::equals);
            Thread.sleep(1000); // a second LabelEvent, if any, would be committed by now (commit interval 100 ms)
            List<LabelEvent> labels = KafkaTestUtil.readAll(kafka.bootstrapServers(), t[1], LabelEvent.class);
            assertThat(labels).hasSize(1);
        }
    }

    /**
     * Signing out ends the session on every instance (a copied cookie stops working there too), and the
     * instance-to-instance API refuses a reviewer at once, whatever partition they name.
     */
    @Test
    void signingOutRevokesTheSessionEverywhereAndPeersOnlyEndpointsRefuseReviewers() throws Exception {
        String[] t = topics(2);
        String app = "review-sec-out-" + RUN.get();
        try (ReviewService a = ReviewService.start(config(t, app, "a"));
                ReviewService b = ReviewService.start(config(t, app, "b"))) {
            a.awaitRunning(WAIT);
            b.awaitRunning(WAIT);
            ApiClient alice = ApiClient.signIn(a.url(), "alice", "alice");
            ApiClient aliceOnB = alice.at(b.url());
            assertThat(alice.get("/api/me").status()).isEqualTo(200);
            assertThat(aliceOnB.get("/api/me").status()).isEqualTo(200);

            long t0 = System.nanoTime();
            ApiClient.Answer peersOnly = alice.post("/api/local/claim-next?partition=7&n=4", Map.of());
            assertThat(peersOnly.status()).isEqualTo(403);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            assertThat(alice.get("/api/local/candidates").status()).isEqualTo(403);
            // a verified peer naming a partition the queue does not have (it has 2): 400 at once
            assertThat(asPeer(a, "/api/local/claim-next?partition=7&n=4").statusCode())
                    .isEqualTo(400);
            assertThat(asPeer(a, "/api/local/claim-next?partition=-1&n=4").statusCode())
                    .isEqualTo(400);

            ApiClient copy = alice.at(a.url()); // the same cookie, kept by someone else
            assertThat(alice.post("/api/logout", Map.of()).status()).isEqualTo(200);
            assertThat(copy.get("/api/me").status())
                    .as("revoked on this instance at once")
                    .isEqualTo(401);
            aliceOnB.await("/api/me", 401, WAIT); // and on the other one once it has read the revocation
        }
    }

    /** A claim-next as another instance sends it (signed with the shared secret's peer key), timed. */
    private static HttpResponse<String> asPeer(ReviewService to, String pathAndQuery) throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(to.url() + pathAndQuery))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        io.bayesvlm.review.http.PeerRequests.headers("shared-test-secret", "POST", pathAndQuery, "alice", body)
                .forEach(b::header);
        long t0 = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("at once").isLessThan(Duration.ofSeconds(1));
        return r;
    }

    /**
     * With http.tls.keystore the API is HTTPS, the session cookie is Secure, plain HTTP gets no answer, and instances
     * call each other over TLS (the queue's counts add up the other instance's partition).
     */
    @Test
    void overTlsTheServiceIsHttpsWithSecureCookiesAndInstancesCallEachOtherOverTls() throws Exception {
        Path keystore = dir.resolve("review.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "review",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=review",
                        "-ext",
                        "SAN=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        "test-pass")
                .redirectErrorStream(true)
                .start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(out).isZero();

        String[] t = topics(2);
        produce(t[0], 8);
        String app = "review-sec-tls-" + RUN.get();
        String[] tls = {"http.tls.keystore", keystore.toString(), "http.tls.keystore-password", "test-pass"};
        try (ReviewService a = ReviewService.start(config(t, app, "tls-a", tls));
                ReviewService b = ReviewService.start(config(t, app, "tls-b", tls))) {
            a.awaitRunning(WAIT);
            b.awaitRunning(WAIT);
            assertThat(a.url()).startsWith("https://");
            char[] pw = "test-pass".toCharArray();
            javax.net.ssl.SSLContext trust = new io.bayesvlm.review.http.Tls(keystore, pw, keystore, pw).context();
            ApiClient alice = ApiClient.signIn(a.url(), "alice", "alice", trust);
            assertThat(alice.setCookieHeader()).contains("; Secure").contains("HttpOnly");
            ApiClient aliceOnB = alice.at(b.url());
            for (ApiClient on : List.of(alice, aliceOnB)) {
                await("all 8 items counted through " + on)
                        .atMost(WAIT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> on.get("/api/queue").json().path("pending").asLong(), n -> n == 8);
            }

            String plain = a.url().replace("https://", "http://") + "/api/health";
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            assertThatThrownBy(() -> http.send(
                            HttpRequest.newBuilder(URI.create(plain))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .as("plain HTTP to the TLS port")
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void aTlsKeystoreWithTheWrongPasswordStopsTheStartNamingTheOption() throws Exception {
        Path keystore = dir.resolve("not-a-keystore.p12");
        Files.write(keystore, new byte[] {1, 2, 3});
        String[] t = topics(1);
        assertThatThrownBy(() -> config(
                        t,
                        "review-sec-badtls-" + RUN.get(),
                        "badtls",
                        "http.tls.keystore",
                        keystore.toString(),
                        "http.tls.keystore-password",
                        "nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("http.tls.keystore: cannot open");
    }
}
