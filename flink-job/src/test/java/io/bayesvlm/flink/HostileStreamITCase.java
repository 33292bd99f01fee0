package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.flink.embedded.ImageEvents;
import io.bayesvlm.serde.AvroCodec;
import io.bayesvlm.serde.ImageClaimCheck;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An operator's worst day on the MiniCluster: each kind of poison record, each followed by a canary image. The job
 * runs with restarts switched off, so a single failure would fail the run: every canary must be decided exactly once,
 * every poison accounted for exactly once (a decision, or a dead letter at its exact coordinates), and the event-time
 * windows must stay current (a year-9999 event must not make the canaries after it late).
 */
class HostileStreamITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static TestKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** What was produced: each record's coordinates by key. */
    record Sent(String topic, int partition, long offset, int valueBytes) {}

    @Test
    void noPoisonStopsTheStreamAndEveryOneIsAccountedForOnce() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        JobConfig c = ItConfig.of(kafka, suffix, Map.ofEntries(
                Map.entry("restart-strategy.type", "none"), // any failure fails the test
                Map.entry("events.max-past", "7 d"), Map.entry("events.max-future", "5 min"),
                Map.entry("images.max-bytes", String.valueOf(4 << 20)),
                Map.entry("routing.threshold", "1.5"), // every item is routed to review, the large image too
                Map.entry("calibration.window-size", "1 h"), Map.entry("calibration.window-slide", "1 h"),
                Map.entry("drift.window-size", "1 h")));
        // The input topic accepts records up to 4 MiB (as an operator may configure it); outputs keep Kafka's 1 MiB.
        try (var admin = kafka.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, c.topics().images()),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", String.valueOf(5 << 20)),
                            AlterConfigOp.OpType.SET)))).all().get();
        }

        AvroCodec<ImageEvent> images = new AvroCodec<>(ImageEvent.class);
        AvroCodec<LabelEvent> labels = new AvroCodec<>(LabelEvent.class);
        List<ImageEvents.Item> items = ImageEvents.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"));
        byte[] small = Files.readAllBytes(items.get(0).file());
        long now = System.currentTimeMillis();
        long start = now;

        Map<String, byte[]> poisons = new LinkedHashMap<>();
        Map<String, Long> eventTimes = new HashMap<>();
        poisons.put("p-time-minus-1", small);
        eventTimes.put("p-time-minus-1", -1L);
        poisons.put("p-time-1900", small);
        eventTimes.put("p-time-1900", Instant.parse("1900-01-01T00:00:00Z").toEpochMilli());
        poisons.put("p-time-9999", small);
        eventTimes.put("p-time-9999", Instant.parse("9999-12-31T23:59:59Z").toEpochMilli());
        poisons.put("p-time-plus-2h", small);
        eventTimes.put("p-time-plus-2h", now + Duration.ofHours(2).toMillis());
        byte[] bigImage = noisePng(760, 760, 7); // about 1.7 MB, decodable
        assertThat(bigImage.length).isGreaterThan(1 << 20);
        poisons.put("p-big-image", bigImage);
        byte[] bigCorrupt = new byte[1_600_000];
        new Random(3).nextBytes(bigCorrupt);
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 0, bigCorrupt, 0, 8);
        poisons.put("p-big-corrupt", bigCorrupt);
        poisons.put("p-6000x6000", blankPng(6000, 6000));
        poisons.put("p-label-unknown-class", small);

        Map<String, Sent> sent = new HashMap<>();
        Map<String, String> canaryTruth = new HashMap<>();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("acks", "all");
        props.put("max.request.size", String.valueOf(5 << 20));
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            int i = 0;
            for (var e : poisons.entrySet()) {
                long t = eventTimes.getOrDefault(e.getKey(), now);
                sent.put(e.getKey(), send(p, c.topics().images(), e.getKey(),
                        images.encode(ImageEvents.event(e.getKey(), t, "hostile", e.getValue()))));
                String canary = "canary-" + i;
                ImageEvents.Item item = items.get(1 + i);
                canaryTruth.put(canary, item.label());
                sent.put(canary, send(p, c.topics().images(), canary,
                        images.encode(ImageEvents.event(canary, now, "hostile", Files.readAllBytes(item.file())))));
                i++;
            }
            // A record in the registry's wire format with a schema id nobody knows (the job runs without a registry
            // here: it cannot be read either way), and its canary.
            byte[] framed = new byte[64];
            framed[0] = 0;
            ByteBuffer.wrap(framed, 1, 4).putInt(0x7f7f7f7f);
            sent.put("p-unknown-schema-id", send(p, c.topics().images(), "p-unknown-schema-id", framed));
            String last = "canary-" + i;
            canaryTruth.put(last, items.get(1 + i).label());
            sent.put(last, send(p, c.topics().images(), last,
                    images.encode(ImageEvents.event(last, now, "hostile", Files.readAllBytes(items.get(1 + i).file())))));
            // Labels: every canary's, the two future poisons' (they must not drag the labelled windows' watermark),
            // and one naming a class the model does not have.
            for (var e : canaryTruth.entrySet()) {
                send(p, c.topics().labels(), e.getKey(), labels.encode(label(e.getKey(), e.getValue())));
            }
            send(p, c.topics().labels(), "p-time-9999", labels.encode(label("p-time-9999", items.get(0).label())));
            send(p, c.topics().labels(), "p-time-plus-2h", labels.encode(label("p-time-plus-2h", items.get(0).label())));
            sent.put("label:p-label-unknown-class", send(p, c.topics().labels(), "p-label-unknown-class",
                    labels.encode(label("p-label-unknown-class", "giraffe"))));
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ModerationJob.configure(env, c);
        ModerationJob.buildPipeline(env, ModerationJob.kafkaSources(c, true), ModerationJob.kafkaSinks(c), c);
        env.execute("it-hostile-stream"); // restart-strategy none: throws on any failure
        long end = System.currentTimeMillis();

        String bs = kafka.bootstrapServers();
        List<ConsumerRecord<byte[], byte[]>> decisionRecords = KafkaTestUtil.readAll(bs, c.topics().decisions());
        AvroCodec<Decision> decisionCodec = new AvroCodec<>(Decision.class);
        List<Decision> decisions = new ArrayList<>();
        for (var r : decisionRecords) {
            decisions.add(decisionCodec.decode(r.value()));
            // Outputs are stamped when written, whatever the event time (the broker refuses far-future timestamps).
            assertThat(r.timestamp()).isBetween(start - 1000, end + 1000);
        }
        Map<String, Long> decidedTimes = decisions.stream()
                .collect(Collectors.groupingBy(d -> d.getEventId(), Collectors.counting()));
        List<DeadLetter> dead = KafkaTestUtil.readAll(bs, c.topics().deadLetters(), DeadLetter.class);
        Map<String, Long> deadTimes = dead.stream().collect(Collectors.groupingBy(HostileStreamITCase::deadKey,
                Collectors.counting()));

        // Every canary decided exactly once, never dead-lettered.
        for (String canary : canaryTruth.keySet()) {
            assertThat(decidedTimes.get(canary)).as("decisions of %s", canary).isEqualTo(1L);
            assertThat(deadTimes).doesNotContainKey(canary);
        }
        // Each poison exactly once: a decision or a dead letter, not both. (The unknown-class poison is its label: the
        // image is decided, the label becomes a dead letter.)
        List<String> decidedPoisons = List.of("p-time-minus-1", "p-time-1900", "p-time-9999", "p-time-plus-2h",
                "p-big-image", "p-6000x6000", "p-label-unknown-class");
        for (String id : decidedPoisons) {
            assertThat(decidedTimes.get(id)).as("decisions of %s", id).isEqualTo(1L);
            if (!id.equals("p-label-unknown-class")) {
                assertThat(deadTimes).doesNotContainKey(id);
            }
        }
        assertThat(decisions).hasSize(canaryTruth.size() + decidedPoisons.size());
        Map<String, Decision> byId = decisions.stream().collect(Collectors.toMap(Decision::getEventId, Function.identity()));
        for (String id : List.of("p-time-minus-1", "p-time-1900", "p-time-9999", "p-time-plus-2h")) {
            assertThat(byId.get(id).getEventTimeOutOfRange()).as("%s flagged", id).isTrue();
            assertThat(byId.get(id).getEventTime().toEpochMilli()).as("%s keeps its event time", id)
                    .isEqualTo(eventTimes.get(id));
        }
        assertThat(canaryTruth.keySet()).allSatisfy(id -> assertThat(byId.get(id).getEventTimeOutOfRange()).isFalse());

        // Dead letters: the corrupt 1.6 MB image cut to 64 KiB, the unreadable record, the unknown label; each once,
        // at its exact coordinates.
        assertThat(dead).hasSize(3);
        Map<String, DeadLetter> deadBy = dead.stream().collect(Collectors.toMap(HostileStreamITCase::deadKey, Function.identity()));
        DeadLetter corrupt = deadBy.get("p-big-corrupt");
        assertThat(corrupt.getErrorCode()).isEqualTo("CORRUPT_IMAGE");
        assertThat(corrupt.getTruncated()).isTrue();
        assertThat(corrupt.getValue().remaining()).isEqualTo(c.outputs().deadLetterMaxValueBytes());
        assertCoordinates(corrupt, sent.get("p-big-corrupt"));
        assertThat(corrupt.getValueSize()).isEqualTo((long) sent.get("p-big-corrupt").valueBytes());
        DeadLetter unreadable = deadBy.get("p-unknown-schema-id");
        assertThat(unreadable.getErrorCode()).isEqualTo("UNDECODABLE_RECORD");
        assertThat(unreadable.getTruncated()).isFalse();
        assertCoordinates(unreadable, sent.get("p-unknown-schema-id"));
        DeadLetter unknownLabel = deadBy.get("p-label-unknown-class");
        assertThat(unknownLabel.getErrorCode()).isEqualTo("UNKNOWN_LABEL");
        assertCoordinates(unknownLabel, sent.get("label:p-label-unknown-class"));

        // Review requests always fit: the large image travels as a claim check to its own record.
        List<ConsumerRecord<byte[], byte[]>> reviewRecords = KafkaTestUtil.readAll(bs, c.topics().reviews());
        assertThat(reviewRecords).allSatisfy(r -> assertThat(r.serializedValueSize()).isLessThan(1 << 20));
        AvroCodec<ReviewRequest> reviewCodec = new AvroCodec<>(ReviewRequest.class);
        Map<String, ReviewRequest> reviews = new HashMap<>();
        for (var r : reviewRecords) {
            ReviewRequest rr = reviewCodec.decode(r.value());
            assertThat(reviews.put(rr.getEventId(), rr)).as("one review request per item").isNull();
        }
        ReviewRequest big = reviews.get("p-big-image");
        assertThat(big.getImage()).isNull();
        ImageClaimCheck check = ImageClaimCheck.parse(big.getImageRef()).orElseThrow();
        Sent bigSent = sent.get("p-big-image");
        assertThat(check).isEqualTo(ImageClaimCheck.of(bigSent.topic(), bigSent.partition(), bigSent.offset(),
                "p-big-image", bigImage));
        assertThat(reviews.get("canary-0").getImage()).isNotNull(); // small images stay inline

        // The windows stayed current: none in year 9999 or 1900, and no canary was late for its window.
        long lo = start - Duration.ofDays(8).toMillis();
        long hi = end + Duration.ofHours(2).toMillis();
        List<CalibrationReport> reports = KafkaTestUtil.readAll(bs, c.topics().calibration(), CalibrationReport.class);
        assertThat(reports).isNotEmpty().allSatisfy(r -> assertThat(r.getWindowEnd().toEpochMilli()).isBetween(lo, hi));
        long labelled = reports.stream().mapToLong(CalibrationReport::getDecided).sum();
        assertThat(labelled).as("labelled decisions in windows: every canary and the two future poisons")
                .isEqualTo(canaryTruth.size() + 2);
        List<DriftReport> drift = KafkaTestUtil.readAll(bs, c.topics().drift(), DriftReport.class);
        assertThat(drift).allSatisfy(r -> assertThat(r.getWindowEnd().toEpochMilli()).isBetween(lo, hi));
        System.out.printf("hostile stream: %d decisions (%d canaries), %d dead letters, %d review requests, %d windows%n",
                decisions.size(), canaryTruth.size(), dead.size(), reviews.size(), reports.size());
    }

    static String deadKey(DeadLetter d) {
        return d.getKey() == null ? "?" : utf8(d.getKey());
    }

    static String utf8(ByteBuffer b) {
        ByteBuffer dup = b.duplicate();
        byte[] bytes = new byte[dup.remaining()];
        dup.get(bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    static void assertCoordinates(DeadLetter d, Sent s) {
        assertThat(d.getTopic()).isEqualTo(s.topic());
        assertThat(d.getPartition()).isEqualTo(s.partition());
        assertThat(d.getOffset()).isEqualTo(s.offset());
    }

    static Sent send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value) throws Exception {
        RecordMetadata m = p.send(new ProducerRecord<>(topic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value)).get();
        return new Sent(topic, m.partition(), m.offset(), value.length);
    }

    static LabelEvent label(String id, String label) {
        return LabelEvent.newBuilder().setEventId(id).setLabel(label).setLabelSource(LabelSource.GROUND_TRUTH)
                .setLabelTime(Instant.now()).build();
    }

    /** An RGB PNG of random noise: incompressible, so about 3 bytes per pixel. */
    static byte[] noisePng(int w, int h, long seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A small file that decodes to many pixels. */
    static byte[] blankPng(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
