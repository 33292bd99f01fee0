package io.bayesvlm.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.CalibrationStats;
import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.PopulationCalibration;
import io.bayesvlm.avro.ReliabilityBin;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.WeightedStats;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.serde.AvroCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI in a real headless Chromium (Debian's {@code chromium}) driven by Playwright ({@code playwright-core}
 * from npm, src/test/browser): sign in, label an item with its key, hostile text rendered as text, the dashboard's
 * reliability diagram. Screenshots go to target/browser-screenshots. Skipped, loudly, only when no Chromium or
 * Node.js is installed ({@code .ci/run} installs both).
 */
@Tag("browser")
class ReviewUiBrowserITCase {
    static final String HOSTILE_CLASS = "<script>window.__pwned=2</script>";
    static final String HOSTILE_ID = "<img src=x onerror=\"window.__pwned=1\">";
    static final String HOSTILE_MODEL = "fashion<script>window.__pwned=3</script>";
    /** Shows as "catdog" where the right-to-left override acts. */
    static final String BIDI_CLASS = "cat\u202Egod";
    /** 300 characters without a space. */
    static final String LONG_CLASS = "long".repeat(75);

    @TempDir
    Path dir;

    @Test
    void aReviewerSignsInLabelsByKeyAndSeesTheDashboard() throws Exception {
        Optional<Path> chromium = Browser.chromium();
        Optional<Path> node = Browser.onPath("node");
        Optional<Path> npm = Browser.onPath("npm");
        if (chromium.isEmpty() || node.isEmpty() || npm.isEmpty()) {
            String msg = "\n\n*** SKIPPED: the browser test needs Debian's chromium, node and npm (found chromium="
                    + chromium
                    + ", node="
                    + node
                    + ", npm="
                    + npm
                    + "). .ci/run installs them. ***\n";
            System.err.println(msg);
            Assumptions.abort(msg);
        }
        Path browserDir = Browser.installPlaywright(npm.get());

        try (TestKafka kafka = TestKafka.start()) {
            String s = "-ui-" + System.nanoTime();
            String[] t = {
                "review-requests" + s,
                "labels" + s,
                "calibration" + s,
                "dead-letters" + s,
                "review-commands" + s,
                "labels-by-item" + s
            };
            kafka.createTopics(List.of(t[0], t[1], t[2], t[3]), 1);
            produceItemsAndReports(kafka.bootstrapServers(), t);
            ReviewConfig c = TestRequests.config(
                    dir,
                    "bootstrap.servers",
                    kafka.bootstrapServers(),
                    "application.id",
                    "review-ui" + s,
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
                    // the third claim is the audit: it is claimed while the hostile item's label waits (and is undone)
                    "queue.audit-every",
                    "3");
            try (ReviewService service = ReviewService.start(c)) {
                service.awaitRunning(Duration.ofSeconds(60));
                ApiClient alice = ApiClient.signIn(service.url(), "alice", "alice");
                await("four pending items")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> alice.get("/api/queue")
                                        .json()
                                        .path("pending")
                                        .asLong(),
                                pending -> pending >= 4);
                Path shots = Path.of("target", "browser-screenshots").toAbsolutePath();
                Files.createDirectories(shots);
                JsonNode result = Browser.run(
                        node.get(),
                        browserDir,
                        "review-ui.mjs",
                        Map.of(
                                "BASE_URL",
                                service.url(),
                                "CHROMIUM",
                                chromium.get().toString(),
                                "SHOTS",
                                shots.toString()));

                assertThat(result.path("imageWidth").asInt()).isEqualTo(28);
                assertThat(result.path("hostileRenderedAsText").asBoolean()).isTrue();
                assertThat(result.path("bayesBars").asInt()).isGreaterThan(0);
                assertThat(result.path("mapBars").asInt()).isGreaterThan(0);
                assertThat(result.path("eceLines").asInt()).isEqualTo(3);
                assertThat(result.path("alertShown").asBoolean()).isTrue();
                // the alert states its evidence: this window's label count
                assertThat(result.path("alertText").asText())
                        .contains("(this one: 120 labels; whole-stream ECE 0.135, 95% interval 0.081–0.203)");
                assertThat(result.path("modelOption").asText()).isEqualTo(HOSTILE_MODEL + "/1");
                // the item on screen is claimed by alice: it is "in review", not "left"
                assertThat(result.path("remainingBefore").asText())
                        .isEqualTo("3 left (2 uncertain, 1 audits) · 1 in review · 0 labelled");
                assertThat(result.path("remainingAfter").asText())
                        .isEqualTo("2 left (1 uncertain, 1 audits) · 1 in review · 1 labelled");
                assertThat(result.path("toastShown").asBoolean())
                        .as("the undo toast")
                        .isTrue();
                assertThat(result.path("pageWidth").asInt())
                        .as("a 300-character class name wraps")
                        .isLessThanOrEqualTo(result.path("windowWidth").asInt());
                assertThat(result.path("darkBackground").asText()).isEqualTo("rgb(18, 21, 28)");
                // uncertainty in words, the two classes the model is torn between pinned above the list
                assertThat(result.path("plainSentence").asText())
                        .isEqualTo("The model is torn between " + HOSTILE_CLASS + " (50%) and coat (40%).");
                assertThat(result.path("pinned")).extracting(JsonNode::asText).containsExactly(HOSTILE_CLASS, "coat");
                // undo within the window: the history keeps only the first label, and nothing more is sent (below)
                assertThat(result.path("undoneHistory").asInt()).isEqualTo(1);
                assertThat(result.path("afterUndoHistory").asInt()).isEqualTo(1);
                assertThat(result.path("auditPlain").asText()).contains("hidden on purpose");
                assertThat(result.path("auditPinned").asInt())
                        .as("no guesses pinned for an audit")
                        .isZero();
                assertThat(result.path("zoomedWidth").asDouble())
                        .as("zoomed across the screen")
                        .isGreaterThan(600);
                assertThat(result.path("zoomClosed").asBoolean()).isTrue();
                assertThat(result.path("helpShown").asBoolean()).isTrue();
                // a refused label and an offline network are shown, kept and sent once possible
                assertThat(result.path("conflictShown").asText())
                        .contains("dress")
                        .contains("HTTP 409: already labelled by someone else");
                assertThat(result.path("offlineShown").asText()).contains("You are offline");
                assertThat(result.path("problemsAfter").asBoolean()).isTrue();
                assertThat(result.path("offlineAfter").asBoolean()).isTrue();
                // escalation: its own queue, the note shown as text to whoever takes it
                assertThat(result.path("escalatedList").asText()).contains("uncertain-2", "a logo <b>or</b> text?");
                assertThat(result.path("escalation").asText())
                        .isEqualTo("Escalated by alice: “a logo <b>or</b> text?”");
                assertThat(result.path("figures").asText()).startsWith("You: 3 labels (3 in the last hour)");
                // the dashboard: threshold line, the whole stream's interval, a readable time axis, data tables
                assertThat(result.path("alertRole").asText()).isEqualTo("alert");
                assertThat(result.path("thresholdLines").asInt()).isEqualTo(1);
                assertThat(result.path("intervalBands").asInt()).isEqualTo(1);
                assertThat(result.path("timeTicks").asInt()).isEqualTo(5);
                assertThat(result.path("eceTableRows").asInt())
                        .as("header and 6 windows")
                        .isEqualTo(7);
                assertThat(result.path("binsTableRows").asInt())
                        .as("header and 10 bins")
                        .isEqualTo(11);
                assertThat(result.path("eceAria").asText()).contains("alert threshold 0.1");
                assertThat(result.path("filterReleased").asBoolean())
                        .as("Escape leaves the filter")
                        .isTrue();
                // audits are blind: the page shows no model output for them
                assertThat(result.path("auditTopK").asText()).contains("hidden for audits");
                assertThat(result.path("auditTopKRows").asInt()).isZero();
                assertThat(result.path("auditUncertaintyRows").asInt())
                        .as("only the 'hidden' row")
                        .isEqualTo(1);
                for (String png : List.of(
                        "review.png",
                        "hostile-item.png",
                        "audit-item.png",
                        "zoom.png",
                        "offline.png",
                        "escalated-item.png",
                        "history.png",
                        "dashboard.png",
                        "dark-review.png")) {
                    assertThat(Files.size(shots.resolve(png))).as(png).isGreaterThan(10_000);
                }

                List<LabelEvent> labels = KafkaTestUtil.readAll(kafka.bootstrapServers(), t[1], LabelEvent.class);
                // a key held for a second labelled one item; the undone label was never sent; the refused one was
                // sent once the network was back; the escalated item was labelled by whoever took it
                assertThat(labels)
                        .extracting(l -> l.getEventId() + "=" + l.getLabel() + " by " + l.getReviewerId())
                        .containsExactlyInAnyOrder(
                                "uncertain-1=coat by alice",
                                "uncertain-1=pullover by alice",
                                "audit-1=dress by alice",
                                "uncertain-2=trouser by alice");
                // the correction names the label it replaces
                LabelEvent coat = labels.stream()
                        .filter(l -> l.getLabel().equals("coat"))
                        .findFirst()
                        .orElseThrow();
                LabelEvent pullover = labels.stream()
                        .filter(l -> l.getLabel().equals("pullover"))
                        .findFirst()
                        .orElseThrow();
                assertThat(coat.getSupersedes()).isNull();
                assertThat(pullover.getSupersedes()).isEqualTo(coat.getLabelTime());
                assertThat(result.path("corrected").asText()).startsWith("pullover (corrected) · uncertain-1");
                assertThat(alice.get(ApiClient.item("uncertain-1"))
                                .json()
                                .path("status")
                                .asText())
                        .isEqualTo("DONE");
            }
        }
    }

    private static void produceItemsAndReports(String bootstrap, String[] t) throws Exception {
        AvroCodec<ReviewRequest> requests = new AvroCodec<>(ReviewRequest.class);
        AvroCodec<CalibrationReport> reports = new AvroCodec<>(CalibrationReport.class);
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(bootstrap)) {
            ReviewRequest first = TestRequests.request("uncertain-1", ReviewReason.UNCERTAIN, 0.9, png());
            List<String> classes = new ArrayList<>(TestRequests.CLASSES);
            classes.add(HOSTILE_CLASS);
            classes.add(BIDI_CLASS);
            classes.add(LONG_CLASS);
            ReviewRequest hostile = TestRequests.request(HOSTILE_ID, ReviewReason.UNCERTAIN, 0.8, png());
            hostile.setClasses(classes);
            hostile.setTopK(List.of(new ClassScore(HOSTILE_CLASS, 0.5, 2.0), new ClassScore("coat", 0.4, 1.0)));
            hostile.setModelName(HOSTILE_MODEL);
            ReviewRequest audit = TestRequests.request("audit-1", ReviewReason.AUDIT, 0, png());
            ReviewRequest last = TestRequests.request("uncertain-2", ReviewReason.UNCERTAIN, 0.5, png());
            for (ReviewRequest r : List.of(first, hostile, audit, last)) {
                KafkaTestUtil.send(p, t[0], r.getEventId(), requests.encode(t[0], r));
            }
            for (int w = 0; w < 6; w++) {
                KafkaTestUtil.send(p, t[2], HOSTILE_MODEL, reports.encode(t[2], report(w)));
            }
        }
    }

    /** A report whose BayesVLM calibration worsens window by window (the last ones in alert). */
    static CalibrationReport report(int w) {
        Instant start = Instant.parse("2026-11-23T10:00:00Z").plusSeconds(60L * w);
        double shift = 0.02 * w;
        return CalibrationReport.newBuilder()
                .setWindowStart(start)
                .setWindowEnd(start.plusSeconds(60))
                .setModelName(HOSTILE_MODEL)
                .setModelVersion("1")
                .setDecided(400)
                .setReviewed(80)
                .setLabelled(120)
                .setAudited(40)
                .setReviewRate(0.2)
                .setMap(stats(0.08 + shift, 120))
                .setBayes(stats(0.03 + shift, 120))
                .setAuditEceMap(0.09 + shift)
                .setAuditEceBayes(0.035 + shift)
                .setAlert(w >= 4)
                .setWindowsOverThreshold(Math.max(0, w - 2))
                .setPopulation(
                        new PopulationCalibration(120L, 80.0, 400.0, weighted(0.09 + shift), weighted(0.035 + shift)))
                .build();
    }

    /** Whole-stream estimates with a 95% interval around the ECE. */
    private static WeightedStats weighted(double ece) {
        return new WeightedStats(
                0.8, 0.75, 0.85, ece, ece * 0.6, ece * 1.5, 0.5, 0.45, 0.55, 0.2, 0.18, 0.22, List.of());
    }

    private static CalibrationStats stats(double gap, long n) {
        List<ReliabilityBin> bins = new ArrayList<>();
        for (int b = 0; b < 10; b++) {
            double lo = b / 10.0;
            double conf = lo + 0.05;
            long count = b < 3 ? 0 : n / 7;
            bins.add(new ReliabilityBin(
                    lo, lo + 0.1, count, count == 0 ? null : Math.max(0, conf - gap), count == 0 ? null : conf));
        }
        return new CalibrationStats(n, 0.8, 0.85, gap, 2 * gap, 0.2, 0.5, bins);
    }

    /** A 28x28 grey PNG with a bright diagonal, like a Fashion-MNIST image. */
    static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, Math.abs(x - y) < 3 ? 230 : 20 + 4 * x);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Finding the browser and Node.js, installing playwright-core from npm, running a script. */
    static final class Browser {
        private Browser() {}

        static Optional<Path> chromium() {
            String env = System.getenv("BAYESVLM_CHROMIUM");
            if (env != null && !env.isBlank()) {
                return Optional.of(Path.of(env));
            }
            return onPath("chromium").or(() -> onPath("chromium-browser"));
        }

        static Optional<Path> onPath(String name) {
            for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }

        /** target/browser with the scripts and {@code npm ci} of the pinned playwright-core (no browser download). */
        static Path installPlaywright(Path npm) throws Exception {
            Path src = Path.of("src", "test", "browser").toAbsolutePath();
            Path dst = Path.of("target", "browser").toAbsolutePath();
            Files.createDirectories(dst);
            try (var files = Files.list(src)) {
                for (Path f : files.toList()) {
                    Files.copy(f, dst.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!Files.isDirectory(dst.resolve("node_modules/playwright-core"))) {
                ProcessBuilder pb = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
                        .directory(dst.toFile())
                        .redirectErrorStream(true);
                pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new AssertionError("npm ci in " + dst + " failed:\n" + out);
                }
            }
            return dst;
        }

        static JsonNode run(Path node, Path dir, String script, Map<String, String> env) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(node.toString(), script).directory(dir.toFile());
            pb.environment().putAll(env);
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(script + " did not finish in 3 minutes; output:\n" + out);
            }
            assertThat(p.exitValue()).as(script + " output:\n" + out).isZero();
            String[] lines = out.strip().split("\n");
            return JsonSerde.MAPPER.readTree(lines[lines.length - 1]);
        }
    }
}
