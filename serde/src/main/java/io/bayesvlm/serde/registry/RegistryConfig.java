package io.bayesvlm.serde.registry;

import io.bayesvlm.config.Options;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

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
        Duration requestTimeout)
        implements Serializable {

    public enum Api {
        CONFLUENT,
        APICURIO
    }

    public enum Auth {
        NONE,
        BASIC,
        BEARER
    }

    /** Confluent's subject naming strategies: TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy. */
    public enum SubjectStrategy {
        TOPIC,
        RECORD,
        TOPIC_RECORD;

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
        return new RegistryConfig(
                "",
                Api.CONFLUENT,
                Auth.NONE,
                "",
                "",
                "",
                SubjectStrategy.TOPIC,
                false,
                Duration.ofMillis(200),
                Duration.ofSeconds(30),
                Duration.ofSeconds(10));
    }

    /** An unauthenticated registry with default retry settings (the embedded demo and the tests). */
    public static RegistryConfig of(String url, Api api, boolean autoRegister) {
        RegistryConfig n = none();
        return new RegistryConfig(
                url,
                api,
                Auth.NONE,
                "",
                "",
                "",
                SubjectStrategy.TOPIC,
                autoRegister,
                n.retryBackoff,
                n.retryBackoffMax,
                n.requestTimeout);
    }

    /** The {@code registry.*} option keys, shared by the job and the review service. */
    public static final List<String> KEYS = List.of(
            "registry.url",
            "registry.api",
            "registry.auth",
            "registry.username",
            "registry.password",
            "registry.bearer-token",
            "registry.subject-strategy",
            "registry.auto-register",
            "registry.retry-backoff",
            "registry.retry-backoff-max",
            "registry.request-timeout");

    /**
     * The {@code registry.*} options, validated: each error names the option. Secrets may come from the
     * environment ({@code BAYESVLM_REGISTRY_PASSWORD}, {@code BAYESVLM_REGISTRY_TOKEN}).
     */
    public static RegistryConfig parse(Options o) {
        RegistryConfig d = none();
        String url = o.string("registry.url", "");
        String api = o.oneOf("registry.api", "confluent", "confluent", "apicurio");
        String auth = o.oneOf("registry.auth", "none", "none", "basic", "bearer");
        String strategy = o.oneOf("registry.subject-strategy", "topic", "topic", "record", "topic-record");
        if (!url.isEmpty() && !url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("registry.url must be an http:// or https:// URL, got '" + url + "'");
        }
        String username = o.string("registry.username", "");
        String password = o.orEnv("registry.password", "BAYESVLM_REGISTRY_PASSWORD");
        String token = o.orEnv("registry.bearer-token", "BAYESVLM_REGISTRY_TOKEN");
        if (auth.equals("basic") && username.isBlank()) {
            throw new IllegalArgumentException("registry.auth=basic needs registry.username");
        }
        if (auth.equals("bearer") && token.isBlank()) {
            throw new IllegalArgumentException("registry.auth=bearer needs registry.bearer-token"
                    + " or the environment variable BAYESVLM_REGISTRY_TOKEN");
        }
        if (auth.equals("bearer") && api.equals("apicurio")) {
            throw new IllegalArgumentException("registry.auth=bearer needs registry.api"
                    + "=confluent (Apicurio's own client does basic auth or OAuth client credentials only; Apicurio"
                    + " serves the Confluent API at /apis/ccompat/v7)");
        }
        Duration backoff = o.positiveDuration("registry.retry-backoff", d.retryBackoff);
        Duration backoffMax = o.positiveDuration("registry.retry-backoff-max", d.retryBackoffMax);
        if (backoffMax.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("registry.retry-backoff-max (" + backoffMax + ") must not be"
                    + " shorter than registry.retry-backoff (" + backoff + ")");
        }
        return new RegistryConfig(
                url,
                Api.valueOf(api.toUpperCase(Locale.ROOT)),
                Auth.valueOf(auth.toUpperCase(Locale.ROOT)),
                username,
                password,
                token,
                SubjectStrategy.valueOf(strategy.replace('-', '_').toUpperCase(Locale.ROOT)),
                o.bool("registry.auto-register", false),
                backoff,
                backoffMax,
                o.positiveDuration("registry.request-timeout", d.requestTimeout));
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
