package io.bayesvlm.serde;

import io.bayesvlm.serde.registry.Backoff;
import io.bayesvlm.serde.registry.RegistryConfig;
import io.bayesvlm.serde.registry.RegistryException;
import io.bayesvlm.serde.registry.RegistrySerdes;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format through a schema registry (Apicurio's serde does the layout and the
 * schema resolution). While the registry is unreachable, calls block and retry with backoff (see
 * {@link Backoff}); the serde caches schemas, so only records with an id not seen before need the registry.
 */
public final class RegistryAvroCodec<T extends SpecificRecordBase> implements RecordCodec<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final RegistryConfig registry;

    private transient Serializer<T> serializer;
    private transient Deserializer<T> deserializer;
    private transient Backoff backoff;

    public RegistryAvroCodec(Class<T> type, RegistryConfig registry) {
        this.type = type;
        this.registry = registry;
    }

    private Backoff backoff() {
        if (backoff == null) {
            backoff = new Backoff(registry);
        }
        return backoff;
    }

    /** Retries spent waiting for the registry so far (a metric). */
    public long registryRetries() {
        return backoff == null ? 0 : backoff.retries();
    }

    @Override
    public byte[] encode(String topic, T record) {
        if (serializer == null) {
            serializer = RegistrySerdes.serializer(registry);
        }
        try {
            // Descriptions are built only when a retry is logged: this runs once per record.
            return backoff()
                    .call(
                            () -> "write " + type.getSimpleName() + " to " + topic,
                            () -> serializer.serialize(topic, record));
        } catch (RuntimeException e) {
            // Not an outage: the schema is not registered (auto-register off) or the registry rejected it.
            // Fail the task (it restarts from the last checkpoint) rather than drop the record.
            throw new IllegalStateException(
                    "cannot write " + type.getSimpleName() + " to topic '" + topic
                            + "' through schema registry " + registry.displayUrl() + " (registry.auto-register="
                            + registry.autoRegister() + "): " + Backoff.describe(e),
                    e);
        }
    }

    @Override
    public void close() {
        if (serializer != null) {
            serializer.close();
            serializer = null;
        }
        if (deserializer != null) {
            deserializer.close();
            deserializer = null;
        }
    }

    @Override
    public T decode(String topic, byte[] value) throws IOException {
        if (value == null || value.length == 0) {
            throw new IOException("empty record value");
        }
        // The serde would misread foreign bytes; check the header it is going to parse.
        if (value.length < 5 || value[0] != 0) {
            throw new IOException("not in the Confluent wire format (magic byte 0, 4-byte schema id, Avro body): "
                    + (value.length < 5 ? value.length + " bytes" : "first byte " + value[0]));
        }
        if (deserializer == null) {
            deserializer = RegistrySerdes.deserializer(registry);
        }
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        Object decoded;
        try {
            decoded = backoff()
                    .call(
                            () -> "read schema id " + id + " from " + topic,
                            () -> deserializer.deserialize(topic, value));
        } catch (RuntimeException e) {
            if (RegistryException.classify(e) == RegistryException.Kind.NOT_FOUND) {
                throw new UnknownSchemaException("schema id " + id + " is not in registry " + registry.displayUrl(), e);
            }
            throw new IOException(
                    "not a " + type.getSimpleName() + " record (schema id " + id + "): " + Backoff.describe(e), e);
        }
        if (!type.isInstance(decoded)) {
            throw new IOException("schema id " + id + " is not a " + type.getSimpleName() + " schema but "
                    + (decoded == null ? "null" : decoded.getClass().getName()));
        }
        return type.cast(decoded);
    }
}
