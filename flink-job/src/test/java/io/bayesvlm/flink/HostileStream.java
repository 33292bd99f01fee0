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
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.serde.ImageClaimCheck;
import io.bayesvlm.serde.RecordCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An operator's worst day as records, shared by the MiniCluster and the multi-process cluster tests: each kind of
 * poison followed by a canary image, and the check that every canary was decided exactly once and every poison
 * accounted for exactly once (a decision, or a dead letter at its exact coordinates).
 */
public final class HostileStream {
    private HostileStream() {}

    /** Where a record went: its coordinates and size. */
    public record Sent(String topic, int partition, long offset, int valueBytes) {}

    /** What was sent. */
    public record Produced(
            Map<String, Sent> sent,
            Map<String, String> canaryTruth,
            Map<String, Long> eventTimes,
            byte[] bigImage,
            long start,
            long now) {}

    /** Poisons that are still decided (the label poison's image is decided; its label is the dead letter). */
    public static final List<String> DECIDED_POISONS = List.of(
            "p-time-minus-1",
            "p-time-1900",
            "p-time-9999",
            "p-time-plus-2h",
            "p-big-image",
            "p-photo-rotated",
            "p-label-unknown-class");

    public static final List<String> OUT_OF_RANGE =
            List.of("p-time-minus-1", "p-time-1900", "p-time-9999", "p-time-plus-2h");

    /** The job options this stream needs: images up to 4 MiB accepted, everything routed to review. */
    public static Map<String, String> options() {
        return Map.of(
                "events.max-past",
                "7 d",
                "events.max-future",
                "5 min",
                "images.max-bytes",
                String.valueOf(4 << 20),
                "routing.mode",
                "threshold",
                "routing.threshold",
                "1.5");
    }

    /** The input topic accepts records up to 5 MiB (as an operator may configure it); outputs keep Kafka's 1 MiB. */
    public static void allowLargeImages(Admin admin, String topic) throws Exception {
        admin.incrementalAlterConfigs(Map.of(
                        new ConfigResource(ConfigResource.Type.TOPIC, topic),
                        List.of(new AlterConfigOp(
                                new ConfigEntry("max.message.bytes", String.valueOf(5 << 20)),
                                AlterConfigOp.OpType.SET))))
                .all()
                .get();
    }

    /** Sends every poison, each followed by a canary, then the labels (canaries', two future poisons', one unknown). */
    public static Produced produce(
            String bootstrap, JobConfig c, RecordCodec<ImageEvent> images, RecordCodec<LabelEvent> labels)
            throws Exception {
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"));
        byte[] small = Files.readAllBytes(items.get(0).file());
        long now = System.currentTimeMillis();
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
        // 36 MB of pixel data in a few kilobytes, within the pixel limit: refused from its header as a bomb
        poisons.put("p-6000x6000", blankPng(6000, 6000));
        // camera photos: one stored sideways (EXIF orientation 6) is decided; a bomb header and one cut in half
        // are dead-lettered, each at the cost of its header
        byte[] photo =
                io.bayesvlm.core.image.PhotoFixtures.jpeg(io.bayesvlm.core.image.PhotoFixtures.stored(1600, 1200, 6));
        poisons.put("p-photo-rotated", io.bayesvlm.core.image.PhotoFixtures.withOrientation(photo, 6));
        poisons.put("p-jpeg-60000x60000", io.bayesvlm.core.image.PhotoFixtures.jpegHeader(60_000, 60_000));
        poisons.put("p-jpeg-truncated", java.util.Arrays.copyOf(photo, photo.length / 2));
        poisons.put("p-label-unknown-class", small);

        Map<String, Sent> sent = new HashMap<>();
        Map<String, String> canaryTruth = new HashMap<>();
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("acks", "all");
        props.put("max.request.size", String.valueOf(5 << 20));
        String in = c.topics().images();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            int i = 0;
            for (var e : poisons.entrySet()) {
                long t = eventTimes.getOrDefault(e.getKey(), now);
                sent.put(
                        e.getKey(),
                        send(
                                p,
                                in,
                                e.getKey(),
                                images.encode(in, TestImages.event(e.getKey(), t, "hostile", e.getValue()))));
                String canary = "canary-" + i;
                SampleImages.Item item = items.get(1 + i);
                canaryTruth.put(canary, item.label());
                sent.put(
                        canary,
                        send(
                                p,
                                in,
                                canary,
                                images.encode(
                                        in,
                                        TestImages.event(canary, now, "hostile", Files.readAllBytes(item.file())))));
                i++;
            }
            // The registry's wire format with a schema id nobody registered.
            byte[] framed = new byte[64];
            ByteBuffer.wrap(framed, 1, 4).putInt(0x7f7f7f7f);
            sent.put("p-unknown-schema-id", send(p, in, "p-unknown-schema-id", framed));
            String last = "canary-" + i;
            canaryTruth.put(last, items.get(1 + i).label());
            sent.put(
                    last,
                    send(
                            p,
                            in,
                            last,
                            images.encode(
                                    in,
                                    TestImages.event(
                                            last,
                                            now,
                                            "hostile",
                                            Files.readAllBytes(items.get(1 + i).file())))));
            String lt = c.topics().labels();
            for (var e : canaryTruth.entrySet()) {
                send(p, lt, e.getKey(), labels.encode(lt, label(e.getKey(), e.getValue())));
            }
            // The future poisons are labelled too: their pairs must not drag the labelled windows' watermark along.
            send(
                    p,
                    lt,
                    "p-time-9999",
                    labels.encode(lt, label("p-time-9999", items.get(0).label())));
            send(
                    p,
                    lt,
                    "p-time-plus-2h",
                    labels.encode(lt, label("p-time-plus-2h", items.get(0).label())));
            sent.put(
                    "label:p-label-unknown-class",
                    send(p, lt, "p-label-unknown-class", labels.encode(lt, label("p-label-unknown-class", "giraffe"))));
        }
        return new Produced(sent, canaryTruth, eventTimes, bigImage, now, now);
    }

    /**
     * Every canary decided exactly once and never dead-lettered; each poison exactly once; the out-of-range ones
     * flagged with their own event time kept; dead letters cut to size at exact coordinates; review requests within
     * 1 MiB, the large image as a claim check to its own record; output timestamps from the wall clock.
     */
    public static void assertAccountedFor(
            JobConfig c,
            Produced p,
            List<ConsumerRecord<byte[], byte[]>> decisionRecords,
            List<Decision> decisions,
            List<DeadLetter> dead,
            List<ConsumerRecord<byte[], byte[]>> reviewRecords,
            List<ReviewRequest> reviewList,
            String unknownSchemaCode,
            long end) {
        for (var r : decisionRecords) {
            // Outputs are stamped when written, whatever the event time (the broker refuses far-future timestamps).
            assertThat(r.timestamp()).isBetween(p.start() - 1000, end + 1000);
        }
        Map<String, Long> decided =
                decisions.stream().collect(Collectors.groupingBy(Decision::getEventId, Collectors.counting()));
        Map<String, Long> deadCount =
                dead.stream().collect(Collectors.groupingBy(HostileStream::key, Collectors.counting()));
        for (String canary : p.canaryTruth().keySet()) {
            assertThat(decided.get(canary)).as("decisions of %s", canary).isEqualTo(1L);
            assertThat(deadCount).doesNotContainKey(canary);
        }
        for (String id : DECIDED_POISONS) {
            assertThat(decided.get(id)).as("decisions of %s", id).isEqualTo(1L);
            if (!id.equals("p-label-unknown-class")) {
                assertThat(deadCount).doesNotContainKey(id);
            }
        }
        assertThat(decisions).hasSize(p.canaryTruth().size() + DECIDED_POISONS.size());
        Map<String, Decision> byId =
                decisions.stream().collect(Collectors.toMap(Decision::getEventId, Function.identity()));
        for (String id : OUT_OF_RANGE) {
            assertThat(byId.get(id).getEventTimeOutOfRange())
                    .as("%s flagged", id)
                    .isTrue();
            assertThat(byId.get(id).getEventTime().toEpochMilli())
                    .as("%s keeps its event time", id)
                    .isEqualTo(p.eventTimes().get(id));
        }
        assertThat(p.canaryTruth().keySet())
                .allSatisfy(
                        id -> assertThat(byId.get(id).getEventTimeOutOfRange()).isFalse());

        assertThat(deadCount)
                .as("dead letters, each once")
                .containsOnly(
                        Map.entry("p-big-corrupt", 1L),
                        Map.entry("p-6000x6000", 1L),
                        Map.entry("p-jpeg-60000x60000", 1L),
                        Map.entry("p-jpeg-truncated", 1L),
                        Map.entry("p-unknown-schema-id", 1L),
                        Map.entry("p-label-unknown-class", 1L));
        Map<String, DeadLetter> deadBy =
                dead.stream().collect(Collectors.toMap(HostileStream::key, Function.identity()));
        assertThat(deadBy.get("p-jpeg-60000x60000").getErrorCode()).isEqualTo("TOO_MANY_PIXELS");
        assertThat(deadBy.get("p-6000x6000").getErrorCode()).isEqualTo("DECOMPRESSION_BOMB");
        assertCoordinates(deadBy.get("p-6000x6000"), p.sent().get("p-6000x6000"));
        assertThat(deadBy.get("p-jpeg-truncated").getErrorCode()).isEqualTo("CORRUPT_IMAGE");
        DeadLetter corrupt = deadBy.get("p-big-corrupt");
        assertThat(corrupt.getErrorCode()).isEqualTo("CORRUPT_IMAGE");
        assertThat(corrupt.getTruncated()).isTrue();
        assertThat(corrupt.getValue().remaining()).isEqualTo(c.outputs().deadLetterMaxValueBytes());
        assertCoordinates(corrupt, p.sent().get("p-big-corrupt"));
        assertThat(corrupt.getValueSize())
                .isEqualTo((long) p.sent().get("p-big-corrupt").valueBytes());
        DeadLetter unknownSchema = deadBy.get("p-unknown-schema-id");
        assertThat(unknownSchema.getErrorCode()).isEqualTo(unknownSchemaCode);
        assertCoordinates(unknownSchema, p.sent().get("p-unknown-schema-id"));
        DeadLetter unknownLabel = deadBy.get("p-label-unknown-class");
        assertThat(unknownLabel.getErrorCode()).isEqualTo("UNKNOWN_LABEL");
        assertCoordinates(unknownLabel, p.sent().get("label:p-label-unknown-class"));

        assertThat(reviewRecords)
                .allSatisfy(r -> assertThat(r.serializedValueSize()).isLessThan(1 << 20));
        Map<String, ReviewRequest> reviews = new HashMap<>();
        for (ReviewRequest rr : reviewList) {
            assertThat(reviews.put(rr.getEventId(), rr))
                    .as("one review request per item")
                    .isNull();
        }
        ReviewRequest big = reviews.get("p-big-image");
        assertThat(big.getImage()).isNull();
        Sent bigSent = p.sent().get("p-big-image");
        assertThat(ImageClaimCheck.parse(big.getImageRef()))
                .contains(ImageClaimCheck.of(
                        bigSent.topic(), bigSent.partition(), bigSent.offset(), "p-big-image", p.bigImage()));
        assertThat(reviews.get("canary-0").getImage()).isNotNull(); // small images stay inline
    }

    /** No window in year 9999 or 1900: every window ends within days of the run. */
    public static void assertWindowsCurrent(
            Produced p, List<CalibrationReport> reports, List<DriftReport> drift, long end) {
        long lo = p.start() - Duration.ofDays(8).toMillis();
        long hi = end + Duration.ofHours(2).toMillis();
        assertThat(reports)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.getWindowEnd().toEpochMilli()).isBetween(lo, hi));
        assertThat(drift)
                .allSatisfy(r -> assertThat(r.getWindowEnd().toEpochMilli()).isBetween(lo, hi));
    }

    public static String key(DeadLetter d) {
        if (d.getKey() == null) {
            return "?";
        }
        ByteBuffer dup = d.getKey().duplicate();
        byte[] bytes = new byte[dup.remaining()];
        dup.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static void assertCoordinates(DeadLetter d, Sent s) {
        assertThat(d.getTopic()).isEqualTo(s.topic());
        assertThat(d.getPartition()).isEqualTo(s.partition());
        assertThat(d.getOffset()).isEqualTo(s.offset());
    }

    static Sent send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value) throws Exception {
        RecordMetadata m = p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value))
                .get();
        return new Sent(topic, m.partition(), m.offset(), value.length);
    }

    static LabelEvent label(String id, String label) {
        return LabelEvent.newBuilder()
                .setEventId(id)
                .setLabel(label)
                .setLabelSource(LabelSource.GROUND_TRUTH)
                .setLabelTime(Instant.now())
                .build();
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
