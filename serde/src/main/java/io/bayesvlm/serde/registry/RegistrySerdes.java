package io.bayesvlm.serde.registry;

import io.apicurio.registry.resolver.DefaultSchemaResolver;
import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.client.RegistryClientFacadeFactory;
import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Builds Apicurio's Avro Kafka serde for a {@link RegistryConfig}. The serde writes and reads the Confluent
 * layout (magic byte 0, 4-byte schema id, Avro binary) and resolves writer schemas by id; this class only
 * chooses the REST dialect, the subject naming and the settings.
 */
public final class RegistrySerdes {

    private RegistrySerdes() {}

    /** The registry client for the configured API dialect. */
    public static RegistryClientFacade client(RegistryConfig c) {
        if (c.api() == RegistryConfig.Api.CONFLUENT) {
            return new ConfluentCompatClient(c);
        }
        return RegistryClientFacadeFactory.create(new SchemaResolverConfig(properties(c)));
    }

    public static <T> Serializer<T> serializer(RegistryConfig c) {
        AvroKafkaSerializer<T> s = new AvroKafkaSerializer<>(client(c), new DefaultSchemaResolver<>());
        s.configure(properties(c), false);
        // After configure(), which would install its own default (topic) strategy.
        s.getSchemaResolver().setArtifactResolverStrategy(new SubjectNameStrategy<>(c.subjectStrategy()));
        return s;
    }

    /** A deserializer that returns the generated class, resolving each writer schema (by id) against it. */
    public static <T> Deserializer<T> deserializer(RegistryConfig c) {
        AvroKafkaDeserializer<T> d = new AvroKafkaDeserializer<>(client(c), new DefaultSchemaResolver<>());
        d.configure(properties(c), false);
        return d;
    }

    static Map<String, Object> properties(RegistryConfig c) {
        Map<String, Object> p = new HashMap<>();
        p.put(SchemaResolverConfig.REGISTRY_URL, c.displayUrl());
        p.put(SchemaResolverConfig.AUTO_REGISTER_ARTIFACT, c.autoRegister());
        p.put(AvroSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
        // Register each schema whole. Otherwise the serde splits nested records (UncertaintyScores, TopClass...)
        // into separate artifacts joined by references, which Confluent consumers without reference support
        // cannot read.
        p.put(SchemaResolverConfig.DEREFERENCE_SCHEMA, true);
        // Our own retry loop (with backpressure and metrics) decides what to do with an unreachable registry.
        p.put(SchemaResolverConfig.RETRY_COUNT, 0);
        if (c.auth() == RegistryConfig.Auth.BASIC) {
            p.put(SchemaResolverConfig.AUTH_USERNAME, c.username());
            p.put(SchemaResolverConfig.AUTH_PASSWORD, c.password());
        }
        return p;
    }
}
