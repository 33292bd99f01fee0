package io.bayesvlm.flink.kafka;

import io.bayesvlm.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes Avro records (plain or through the schema registry) to one topic, keyed by a string (the event id, so an event's records share a partition). */
public class AvroRecordSerializer<T extends SpecificRecordBase> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final RecordCodec<T> codec;
    private final SerializableFunction<T, String> key;
    private final SerializableFunction<T, T> before;

    public AvroRecordSerializer(String topic, RecordCodec<T> codec, SerializableFunction<T, String> key) {
        this(topic, codec, key, t -> t);
    }

    /** With {@code before} applied to each record as it is written (the job's own stream keeps the original). */
    public AvroRecordSerializer(
            String topic,
            RecordCodec<T> codec,
            SerializableFunction<T, String> key,
            SerializableFunction<T, T> before) {
        this.topic = topic;
        this.codec = codec;
        this.key = key;
        this.before = before;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        String k = key.apply(element);
        // The Kafka timestamp is the time of writing (the producer's clock), never the element's event time: the broker
        // refuses timestamps over log.message.timestamp.after.max.ms ahead, the producer negative ones, and time-based
        // retention would delete a record "from 1900" at once. The event time stays in the record itself.
        return new ProducerRecord<>(
                topic,
                null,
                null,
                k == null ? null : k.getBytes(StandardCharsets.UTF_8),
                codec.encode(topic, before.apply(element)));
    }
}
