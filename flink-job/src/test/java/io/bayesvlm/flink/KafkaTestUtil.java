package io.bayesvlm.flink;

import io.bayesvlm.flink.embedded.KafkaClients;
import io.bayesvlm.flink.kafka.AvroCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
            producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(), value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record on the topic visible to a read_committed consumer now (reads to the end offsets). */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.readCommitted(bootstrap)) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                boolean done = parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
                if (done) {
                    break;
                }
            }
        }
        return out;
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
