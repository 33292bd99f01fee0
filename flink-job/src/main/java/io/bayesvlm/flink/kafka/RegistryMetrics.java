package io.bayesvlm.flink.kafka;

import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.serde.RegistryAvroCodec;
import org.apache.flink.metrics.MetricGroup;

/** The job's metrics about the schema registry. */
public final class RegistryMetrics {
    private RegistryMetrics() {}

    /** Publishes a codec's registry retries as the gauge {@code registryRetries} (none for plain Avro). */
    public static void exposeRetries(MetricGroup group, RecordCodec<?> codec) {
        if (codec instanceof RegistryAvroCodec<?> r) {
            group.gauge("registryRetries", r::registryRetries);
        }
    }
}
