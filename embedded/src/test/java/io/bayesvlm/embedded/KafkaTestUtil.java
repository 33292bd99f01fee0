package io.bayesvlm.embedded;

import io.bayesvlm.serde.AvroCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** Plain Kafka clients for tests: produce bytes, read everything committed on a topic. */
public final class KafkaTestUtil {
    private KafkaTestUtil() {}

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return KafkaClients.producer(bootstrap);
    }

    public static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(), value))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every committed record on the topic, once no transaction on it is undecided: reads with read_committed until
     * the position reaches the log end offset taken now. A producer's {@code commitTransaction()} returns before the
     * broker has written the commit markers into the partitions, so right after a job finishes the last stable
     * offset can still lag behind its final commit; a reader that stopped at the last stable offset of that instant
     * would miss the final transaction (the cause of an empty calibration topic in about one run in three). Fails if
     * a transaction stays open past the deadline, rather than returning a partial topic.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        return readAll(bootstrap, topic, Duration.ofMillis(SETTLE_MILLIS));
    }

    /** {@link #readAll(String, String)} with its own deadline for undecided transactions. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, Duration settle) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.readCommitted(bootstrap)) {
            List<TopicPartition> parts = assignFromBeginning(c, topic);
            Map<TopicPartition, Long> logEnd;
            try (KafkaConsumer<byte[], byte[]> u = KafkaClients.readUncommitted(bootstrap)) {
                logEnd = u.endOffsets(parts);
            }
            long deadline = System.currentTimeMillis() + settle.toMillis();
            while (!parts.stream().allMatch(tp -> c.position(tp) >= logEnd.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("topic " + topic + ": a transaction is still undecided after "
                            + settle.toMillis() + " ms (read_committed positions " + positions(c, parts) + ", log end "
                            + logEnd + ")");
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The records a read_committed consumer sees now (up to the current last stable offsets), for polling a topic
     * that a running job is still writing; a transaction in flight is simply not seen yet.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommittedSoFar(String bootstrap, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.readCommitted(bootstrap)) {
            List<TopicPartition> parts = assignFromBeginning(c, topic);
            Map<TopicPartition, Long> stable = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
            while (!parts.stream().allMatch(tp -> c.position(tp) >= stable.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("topic " + topic + ": could not read up to " + stable);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static final long SETTLE_MILLIS = 60_000;

    private static List<TopicPartition> assignFromBeginning(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<TopicPartition> parts = c.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return parts;
    }

    private static Map<TopicPartition, Long> positions(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> parts) {
        Map<TopicPartition, Long> m = new java.util.HashMap<>();
        parts.forEach(tp -> m.put(tp, c.position(tp)));
        return m;
    }

    public static <T extends SpecificRecordBase> List<T> readAll(String bootstrap, String topic, Class<T> type) {
        AvroCodec<T> codec = new AvroCodec<>(type);
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topic)) {
            try {
                out.add(codec.decode(r.value()));
            } catch (IOException e) {
                throw new AssertionError("topic " + topic + " holds a record that is not a " + type.getSimpleName(), e);
            }
        }
        return out;
    }
}
