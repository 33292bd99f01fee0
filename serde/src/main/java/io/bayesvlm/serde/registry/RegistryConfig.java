package io.bayesvlm.serde.registry;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the job talks to a schema registry. An empty URL means no registry: topics carry plain Avro binary.
 *
 * <p>{@code api} picks the REST dialect: {@code confluent} (Confluent Schema Registry, or Apicurio's
 * Confluent-compatible endpoint {@code /apis/ccompat/v7}) or {@code apicurio} (Apicurio's native
 * {@code /apis/registry/v3}). Both write the same Confluent wire layout and, against one Apicurio registry, the
 * same schema ids.
 */
public record RegistryConfig(
        String url,
        Api api,
        Auth auth,
        String username,
        String password,
        String bearerToken,
        SubjectStrategy subjectStrategy,
        boolean autoRegister,
        Duration retryBackoff,
        Duration retryBackoffMax,
        Duration requestTimeout) implements Serializable {

    public enum Api { CONFLUENT, APICURIO }

    public enum Auth { NONE, BASIC, BEARER }

    /** Confluent's subject naming strategies: TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy. */
    public enum SubjectStrategy {
        TOPIC, RECORD, TOPIC_RECORD;

        /** The subject a value schema of this record type is registered under on this topic. */
        public String subject(String topic, String recordFullName) {
            return switch (this) {
                case TOPIC -> topic + "-value";
                case RECORD -> recordFullName;
                case TOPIC_RECORD -> topic + "-" + recordFullName;
            };
        }
    }

    /** No registry: plain Avro binary on every topic. */
    public static RegistryConfig none() {
        return new RegistryConfig("", Api.CONFLUENT, Auth.NONE, "", "", "", SubjectStrategy.TOPIC, false,
                Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** An unauthenticated registry with default retry settings (the embedded demo and the tests). */
    public static RegistryConfig of(String url, Api api, boolean autoRegister) {
        RegistryConfig n = none();
        return new RegistryConfig(url, api, Auth.NONE, "", "", "", SubjectStrategy.TOPIC, autoRegister,
                n.retryBackoff, n.retryBackoffMax, n.requestTimeout);
    }

    public boolean enabled() {
        return !url.isEmpty();
    }

    /** The URL without a trailing slash (credentials belong in registry.password, not in the URL). */
    public String displayUrl() {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String toString() {
        // Never print the password or token (this record ends up in logs and the job graph's description).
        return "RegistryConfig[url=" + url + ", api=" + api + ", auth=" + auth + ", subjectStrategy=" + subjectStrategy
                + ", autoRegister=" + autoRegister + "]";
    }
}
