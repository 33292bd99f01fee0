package io.bayesvlm.flink.kafka;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.ModerationJob;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.serde.RecordCodec;
import java.util.Properties;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The job's Kafka sources (raw records, read committed) and exactly-once sinks, from the configuration. */
public final class KafkaEndpoints {

    private KafkaEndpoints() {}

    /** Kafka sources for image events, labels and the feedback; bounded ones stop at the offsets current at start. */
    public static ModerationJob.Sources sources(JobConfig c, boolean bounded) {
        return new ModerationJob.Sources(
                source(c, c.topics().images(), bounded),
                source(c, c.topics().labels(), bounded),
                source(c, c.topics().calibration(), bounded),
                source(c, c.topics().certificates(), bounded));
    }

    static KafkaSource<RawRecord> source(JobConfig c, String topic, boolean bounded) {
        return source(c, topic, bounded, new RawRecordDeserializer());
    }

    /** A Kafka source of raw records with a given deserializer (tests wrap it to inject failures). */
    public static KafkaSource<RawRecord> source(
            JobConfig c, String topic, boolean bounded, KafkaRecordDeserializationSchema<RawRecord> deserializer) {
        OffsetsInitializer start = switch (c.startingOffsets()) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        var builder = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(c.bootstrapServers())
                .setTopics(topic)
                .setGroupId(c.groupId())
                .setStartingOffsets(start)
                .setDeserializer(deserializer)
                // Only committed records of transactional producers.
                .setProperty("isolation.level", "read_committed");
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** Exactly-once Kafka sinks, one transactional-id prefix each. */
    public static ModerationJob.Sinks sinks(JobConfig c) {
        return new ModerationJob.Sinks(
                sink(
                        c,
                        "decisions",
                        new AvroRecordSerializer<>(
                                c.topics().decisions(),
                                RecordCodec.of(Decision.class, c.registry()),
                                Decision::getEventId,
                                c.decisionsTopK() > 0 ? new TopKDecision(c.decisionsTopK()) : d -> d)),
                sink(
                        c,
                        "reviews",
                        new AvroRecordSerializer<>(
                                c.topics().reviews(),
                                RecordCodec.of(ReviewRequest.class, c.registry()),
                                ReviewRequest::getEventId)),
                sink(
                        c,
                        "calibration",
                        new AvroRecordSerializer<>(
                                c.topics().calibration(),
                                RecordCodec.of(CalibrationReport.class, c.registry()),
                                r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))),
                sink(
                        c,
                        "drift",
                        new AvroRecordSerializer<>(
                                c.topics().drift(),
                                RecordCodec.of(DriftReport.class, c.registry()),
                                r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))),
                sink(
                        c,
                        "certificates",
                        new AvroRecordSerializer<>(
                                c.topics().certificates(),
                                RecordCodec.of(RiskCertificate.class, c.registry()),
                                r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))),
                sink(
                        c,
                        "dead-letters",
                        new AvroRecordSerializer<>(
                                c.topics().deadLetters(),
                                RecordCodec.of(DeadLetter.class, c.registry()),
                                DeadLetter::getEventId)),
                sink(
                        c,
                        "failure-selections",
                        new AvroRecordSerializer<>(
                                c.topics().failureSelections(),
                                RecordCodec.of(io.bayesvlm.avro.FailureSelection.class, c.registry()),
                                r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))));
    }

    private static <T> Sink<T> sink(JobConfig c, String name, KafkaRecordSerializationSchema<T> schema) {
        Properties props = new Properties();
        props.setProperty(
                "transaction.timeout.ms", String.valueOf(c.transactionTimeout().toMillis()));
        // The size every output was checked against at startup (OutputSizes).
        props.setProperty("max.request.size", String.valueOf(c.outputs().maxRequestSize()));
        return new FailoverSafeKafkaSink<>(KafkaSink.<T>builder()
                .setBootstrapServers(c.bootstrapServers())
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(c.transactionalIdPrefix() + "-" + name)
                .setKafkaProducerConfig(props)
                .build());
    }
}
