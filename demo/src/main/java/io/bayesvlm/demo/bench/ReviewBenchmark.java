package io.bayesvlm.demo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.embedded.EmbeddedKafka;
import io.bayesvlm.embedded.KafkaClients;
import io.bayesvlm.embedded.TempDirs;
import io.bayesvlm.review.ReviewClient;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewService;
import io.bayesvlm.review.http.Passwords;
import io.bayesvlm.serde.AvroCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/bayesvlm review-bench [PENDING] [CLAIMS] [REVIEWERS]}: the review service against a real (embedded)
 * broker. Fills the queue with PENDING review requests (default 100,000) and reports the rate the service takes
 * them in; then REVIEWERS concurrent reviewers (default 1 and 8) each claim-and-label CLAIMS items (default 300)
 * through the HTTP API on that full queue, with the latency of {@code next} (pick + claim) and of {@code label}
 * (p50/p99) and the labels per second. A benchmark, not a test: the figures go in review-service/README.md.
 */
public final class ReviewBenchmark {
    private ReviewBenchmark() {}

    public static void main(String[] args) throws Exception {
        int pending = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int claims = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        List<Integer> reviewers = args.length > 2 ? List.of(Integer.parseInt(args[2])) : List.of(1, 8);
        Path dir = Files.createTempDirectory("bayesvlm-review-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            List<String> topics = List.of("review-requests", "labels", "calibration", "dead-letters");
            kafka.createTopics(topics, 2);
            System.out.printf("producing %,d review requests (%d-byte images) ...%n", pending, image().length);
            produce(kafka.bootstrapServers(), pending);

            Map<String, String> passwords = new HashMap<>();
            StringBuilder users = new StringBuilder();
            int most = reviewers.stream().mapToInt(Integer::intValue).max().orElse(1);
            for (int i = 0; i < most; i++) {
                passwords.put("r" + i, "pw" + i);
                users.append("r")
                        .append(i)
                        .append(":reviewer:")
                        .append(Passwords.hash(("pw" + i).toCharArray()))
                        .append('\n');
            }
            Files.writeString(dir.resolve("users"), users);
            Map<String, String> m = new HashMap<>();
            m.put("bootstrap.servers", kafka.bootstrapServers());
            m.put("auth.users-file", dir.resolve("users").toString());
            m.put("state.dir", dir.resolve("state").toString());
            m.put("http.port", "0");
            // -Dbench.kafka.commit.interval.ms=... and the like: service options for tuning runs
            System.getProperties().stringPropertyNames().stream()
                    .filter(k -> k.startsWith("bench."))
                    .forEach(k -> m.put(k.substring("bench.".length()), System.getProperty(k)));
            long start = System.nanoTime();
            try (ReviewService service = ReviewService.start(ReviewConfig.from(new io.bayesvlm.config.Options(m)))) {
                service.awaitRunning(java.time.Duration.ofMinutes(2));
                ReviewClient probe = ReviewClient.signIn(service.url(), "r0", "pw0");
                while (probe.queue().path("pending").asLong() < pending) {
                    Thread.sleep(50);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        "ingest: %,d review requests queued in %.1f s = %,.0f requests/s (start, 2 partitions,"
                                + " RocksDB + changelog, exactly-once)%n",
                        pending, seconds, pending / seconds);
                System.out.println(
                        "reviewers  labels  labels/s  next p50 ms  next p99 ms  label p50 ms  label p99 ms  queue left");
                for (int r : reviewers) {
                    run(service.url(), r, claims, passwords, probe);
                }
            }
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }

    private static void run(String url, int reviewers, int claims, Map<String, String> passwords, ReviewClient probe)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(reviewers);
        List<Future<long[][]>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < reviewers; i++) {
            String user = "r" + i;
            futures.add(pool.submit(() -> {
                ReviewClient c = ReviewClient.signIn(url, user, passwords.get(user));
                long[] next = new long[claims];
                long[] label = new long[claims];
                for (int k = 0; k < claims; k++) {
                    long t0 = System.nanoTime();
                    Optional<JsonNode> item = c.next();
                    long t1 = System.nanoTime();
                    if (item.isEmpty() || c.label(item.get().path("eventId").asText(), "coat") != 200) {
                        throw new IllegalStateException("claim or label failed");
                    }
                    next[k] = t1 - t0;
                    label[k] = System.nanoTime() - t1;
                }
                return new long[][] {next, label};
            }));
        }
        List<Long> next = new ArrayList<>();
        List<Long> label = new ArrayList<>();
        for (Future<long[][]> f : futures) {
            long[][] r = f.get();
            Arrays.stream(r[0]).forEach(next::add);
            Arrays.stream(r[1]).forEach(label::add);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf(
                "%9d  %6d  %8.1f  %11.1f  %11.1f  %12.1f  %12.1f  %,10d%n",
                reviewers,
                next.size(),
                next.size() / seconds,
                pct(next, 0.5),
                pct(next, 0.99),
                pct(label, 0.5),
                pct(label, 0.99),
                probe.queue().path("pending").asLong());
    }

    private static double pct(List<Long> nanos, double q) {
        long[] s = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)] / 1e6;
    }

    private static void produce(String bootstrap, int n) throws Exception {
        AvroCodec<ReviewRequest> codec = new AvroCodec<>(ReviewRequest.class);
        Random rng = new Random(7);
        byte[] image = image();
        List<String> classes = List.of(
                "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot");
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(bootstrap)) {
            for (int i = 0; i < n; i++) {
                boolean audit = rng.nextDouble() < 0.2;
                ReviewRequest r = ReviewRequest.newBuilder()
                        .setEventId("bench-" + i)
                        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                        .setReason(audit ? ReviewReason.AUDIT : ReviewReason.UNCERTAIN)
                        .setPriority(audit ? 0 : rng.nextDouble())
                        .setTopK(List.of(
                                new ClassScore("coat", 0.5, 1.0),
                                new ClassScore("shirt", 0.3, 1.1),
                                new ClassScore("pullover", 0.1, 0.8)))
                        .setImage(ByteBuffer.wrap(image))
                        .setModelName("fashion")
                        .setModelVersion("1")
                        .setClasses(classes)
                        .setUncertainty(Map.of("mutual_info", rng.nextDouble()))
                        .setRoutingScore("mutual_info")
                        .build();
                p.send(new ProducerRecord<>(
                        "review-requests",
                        r.getEventId().getBytes(StandardCharsets.UTF_8),
                        codec.encode("review-requests", r)));
            }
            p.flush();
        }
    }

    private static byte[] image() {
        byte[] b = new byte[300];
        new Random(1).nextBytes(b);
        b[0] = (byte) 0x89;
        b[1] = 'P';
        b[2] = 'N';
        b[3] = 'G';
        return b;
    }
}
