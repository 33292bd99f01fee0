package io.bayesvlm.review.http;

import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.serde.ImageClaimCheck;
import io.bayesvlm.serde.RecordCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Resolves a review request's claim check ({@link ImageClaimCheck}): reads the image event at its coordinates from the
 * image-events topic, and serves the image only if the event id and the SHA-256 match. Only the configured
 * image-events topic is ever read (a request cannot point the service at another topic). One consumer, used by one
 * request at a time, and the few most recent images cached: a reviewer opens an item's image a handful of times.
 */
final class ClaimCheckImages implements AutoCloseable {

    /** Why an image could not be served: the HTTP status to answer with and a message. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Unavailable(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private static final int CACHED = 16;

    private final String topic;
    private final RecordCodec<ImageEvent> codec;
    private final Properties clientProperties;
    private final Duration wait;
    private KafkaConsumer<byte[], byte[]> consumer;
    private final Map<ImageClaimCheck, byte[]> recent = new LinkedHashMap<>(CACHED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ImageClaimCheck, byte[]> eldest) {
            return size() > CACHED;
        }
    };

    ClaimCheckImages(String topic, RecordCodec<ImageEvent> codec, Properties clientProperties, Duration wait) {
        this.topic = topic;
        this.codec = codec;
        this.clientProperties = clientProperties;
        this.wait = wait;
    }

    synchronized byte[] image(String ref) throws Unavailable {
        ImageClaimCheck check = ImageClaimCheck.parse(ref)
                .orElseThrow(() -> new Unavailable(404, "the request carries no image (reference: " + ref + ")"));
        if (!check.topic().equals(topic)) {
            throw new Unavailable(
                    403,
                    "the image reference points at topic '" + check.topic() + "', not at the" + " image-events topic '"
                            + topic + "'");
        }
        byte[] cached = recent.get(check);
        if (cached != null) {
            return cached;
        }
        ConsumerRecord<byte[], byte[]> record = read(check)
                .orElseThrow(() -> new Unavailable(
                        404,
                        "image event at " + topic + "/" + check.partition() + "/" + check.offset()
                                + " is no longer in the topic (retention)"));
        ImageEvent event;
        try {
            event = codec.decode(topic, record.value());
        } catch (Exception e) {
            throw new Unavailable(
                    502,
                    "the record at " + topic + "/" + check.partition() + "/" + check.offset()
                            + " is not a readable image event: " + e.getMessage());
        }
        byte[] image = new byte[event.getImage().remaining()];
        event.getImage().duplicate().get(image);
        if (!check.eventId().equals(event.getEventId()) || !check.matches(image)) {
            throw new Unavailable(
                    502,
                    "the record at " + topic + "/" + check.partition() + "/" + check.offset()
                            + " does not hold the referenced image (event id or SHA-256 differ)");
        }
        recent.put(check, image);
        return image;
    }

    private Optional<ConsumerRecord<byte[], byte[]>> read(ImageClaimCheck check) throws Unavailable {
        TopicPartition tp = new TopicPartition(topic, check.partition());
        KafkaConsumer<byte[], byte[]> c = consumer();
        try {
            c.assign(List.of(tp));
            long begin = c.beginningOffsets(List.of(tp), wait).getOrDefault(tp, 0L);
            if (check.offset() < begin) {
                return Optional.empty();
            }
            c.seek(tp, check.offset());
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r :
                        c.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() == check.offset()) {
                        return Optional.of(r);
                    }
                    if (r.offset() > check.offset()) {
                        return Optional.empty(); // a compacted or aborted record: gone
                    }
                }
            }
        } catch (RuntimeException e) {
            close();
            throw new Unavailable(503, "cannot read " + topic + "/" + check.partition() + ": " + e.getMessage());
        }
        throw new Unavailable(
                504, "no answer from " + topic + "/" + check.partition() + " within " + wait.toMillis() + " ms");
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            Properties p = new Properties();
            p.putAll(clientProperties);
            p.put("key.deserializer", ByteArrayDeserializer.class.getName());
            p.put("value.deserializer", ByteArrayDeserializer.class.getName());
            p.put("enable.auto.commit", "false");
            p.put("isolation.level", "read_committed");
            p.put("max.poll.records", "1");
            p.put("fetch.max.bytes", String.valueOf(64 << 20));
            p.put("max.partition.fetch.bytes", String.valueOf(64 << 20));
            consumer = new KafkaConsumer<>(p);
        }
        return consumer;
    }

    @Override
    public synchronized void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(1));
            consumer = null;
        }
    }
}
