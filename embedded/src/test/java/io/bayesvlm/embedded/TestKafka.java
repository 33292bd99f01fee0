package io.bayesvlm.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.admin.Admin;

/**
 * The Kafka broker of the integration tests: a Testcontainers broker ({@code apache/kafka}, KRaft) when a Docker
 * engine is reachable, the in-JVM {@link EmbeddedKafka} otherwise. {@code -Dbayesvlm.test.kafka=embedded} or
 * {@code =testcontainers} forces one (the latter fails without Docker). Both are real brokers of the same
 * Kafka version line; the tests see only bootstrap servers.
 */
public final class TestKafka implements AutoCloseable {
    /** The container image: Kafka's own, matching the client and broker version of the build. */
    public static final String IMAGE = "apache/kafka:4.2.0";

    public enum Kind {
        EMBEDDED,
        TESTCONTAINERS
    }

    private final Kind kind;
    private final String bootstrap;
    private final AutoCloseable broker;

    private TestKafka(Kind kind, String bootstrap, AutoCloseable broker) {
        this.kind = kind;
        this.bootstrap = bootstrap;
        this.broker = broker;
    }

    public static TestKafka start() throws Exception {
        Kind kind = chosen(System.getProperty("bayesvlm.test.kafka", "auto"), dockerReachable());
        if (kind == Kind.TESTCONTAINERS) {
            return Containers.start();
        }
        EmbeddedKafka kafka = EmbeddedKafka.start();
        return new TestKafka(Kind.EMBEDDED, kafka.bootstrapServers(), kafka);
    }

    /** auto: Testcontainers where Docker is reachable; an explicit choice wins. */
    static Kind chosen(String property, boolean docker) {
        return switch (property.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> docker ? Kind.TESTCONTAINERS : Kind.EMBEDDED;
            case "embedded" -> Kind.EMBEDDED;
            case "testcontainers" -> Kind.TESTCONTAINERS;
            default ->
                throw new IllegalArgumentException(
                        "bayesvlm.test.kafka must be auto, embedded or testcontainers, got '" + property + "'");
        };
    }

    /**
     * A cheap test before Testcontainers is asked at all (it logs a page of errors when it finds no engine):
     * DOCKER_HOST set, or the default socket present; then Testcontainers' own check decides.
     */
    private static boolean dockerReachable() {
        String host = System.getenv("DOCKER_HOST");
        boolean candidate = (host != null && !host.isBlank())
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
        return candidate && Containers.available();
    }

    public Kind kind() {
        return kind;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Creates topics (replication factor 1); existing ones are an error. */
    public void createTopics(List<String> names, int partitions) throws Exception {
        KafkaClients.createTopics(bootstrap, names, partitions);
    }

    public Admin admin() {
        return KafkaClients.admin(bootstrap);
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }

    /** Everything that touches Testcontainers' classes, loaded only when Docker is a candidate. */
    private static final class Containers {
        static boolean available() {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        }

        static TestKafka start() {
            org.testcontainers.kafka.KafkaContainer c = new org.testcontainers.kafka.KafkaContainer(IMAGE)
                    // what the embedded broker sets: one broker, transactions and exactly-once sinks work
                    .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                    .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                    // outputs carry event-time timestamps, often older than the default 7-day retention (EmbeddedKafka)
                    .withEnv("KAFKA_LOG_RETENTION_MS", "-1");
            c.start();
            return new TestKafka(Kind.TESTCONTAINERS, c.getBootstrapServers(), c::stop);
        }
    }
}
