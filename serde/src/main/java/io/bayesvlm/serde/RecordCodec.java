package io.bayesvlm.serde;

import io.bayesvlm.serde.registry.RegistryConfig;
import java.io.IOException;
import java.io.Serializable;
import org.apache.avro.specific.SpecificRecordBase;

/** Turns one record type into Kafka value bytes and back: plain Avro binary, or through a schema registry. */
public interface RecordCodec<T> extends Serializable {

    byte[] encode(String topic, T record);

    /**
     * Decodes a record value read from a topic.
     *
     * @throws UnknownSchemaException if the value names a schema id the registry does not know
     * @throws IOException if the bytes are not a record of this type
     */
    T decode(String topic, byte[] value) throws IOException;

    /** Releases registry clients, if any. */
    default void close() {}

    /** The codec the configuration asks for: plain Avro without a registry URL, else the registry's serde. */
    static <T extends SpecificRecordBase> RecordCodec<T> of(Class<T> type, RegistryConfig registry) {
        return registry.enabled() ? new RegistryAvroCodec<>(type, registry) : new AvroCodec<>(type);
    }
}
