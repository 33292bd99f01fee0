package io.bayesvlm.serde.registry;

import io.apicurio.registry.resolver.ParsedSchema;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.resolver.strategy.ArtifactReferenceResolverStrategy;
import io.apicurio.registry.serde.data.SerdeMetadata;
import org.apache.avro.Schema;

/**
 * Names the subject (artifact id, in Apicurio's terms) a record's schema lives under, by Confluent's rules
 * (see {@link RegistryConfig.SubjectStrategy}), in Apicurio's default group, which is where Apicurio's
 * Confluent-compatible API keeps subjects: both APIs then find the same schemas.
 */
final class SubjectNameStrategy<U> implements ArtifactReferenceResolverStrategy<Schema, U> {
    static final String DEFAULT_GROUP = "default";

    private final RegistryConfig.SubjectStrategy strategy;

    SubjectNameStrategy(RegistryConfig.SubjectStrategy strategy) {
        this.strategy = strategy;
    }

    @Override
    public ArtifactReference artifactReference(Record<U> data, ParsedSchema<Schema> schema) {
        String topic = ((SerdeMetadata) data.metadata()).getTopic();
        return ArtifactReference.builder()
                .groupId(DEFAULT_GROUP)
                .artifactId(strategy.subject(topic, schema.getParsedSchema().getFullName()))
                .build();
    }
}
