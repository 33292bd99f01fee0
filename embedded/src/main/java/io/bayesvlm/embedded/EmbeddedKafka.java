package io.bayesvlm.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) in this JVM, from Apache Kafka's own
 * server classes, formatted with its storage tool as {@code kafka-storage.sh format} would: for the embedded
 * demo and the integration tests, where no Docker engine is available. Both listeners are bound to 127.0.0.1
 * (Kafka's test kit binds all interfaces); its data lives in a temporary directory removed on close.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final KafkaRaftServer server;
    private final Path dir;
    private final String bootstrap;

    private EmbeddedKafka(KafkaRaftServer server, Path dir, String bootstrap) {
        this.server = server;
        this.dir = dir;
        this.bootstrap = bootstrap;
    }

    /** Starts a broker and waits until it accepts clients (a few seconds). */
    public static EmbeddedKafka start() throws Exception {
        Path dir = Files.createTempDirectory("bayesvlm-kafka");
        int brokerPort = Loopback.freePort();
        int controllerPort = Loopback.freePort();
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("data").toString());
        // One node: internal topics with one replica and one partition, no rebalance delay.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("transaction.max.timeout.ms", String.valueOf(TimeUnit.MINUTES.toMillis(15)));
        // A transaction begun right after a commit finds its partitions still completing the last one (the commit
        // markers are written after EndTxn answers); a 4.x broker then retries the produce's verification after this
        // backoff, 20 ms by default (exponential up to add.partitions.to.txn.retry.backoff.max.ms, 100 ms). The review
        // service commits once per answer, so under load that wait sat in every other answer (review-bench, 8
        // reviewers, medians of alternating runs: 62 -> 80 labels/s, next p99 140 -> 97 ms).
        p.put("add.partitions.to.txn.retry.backoff.ms", "1");
        // No time-based retention. The job writes its outputs with event-time timestamps, and replayed or test events
        // are often older than the default 7 days: the broker's first retention check (30 s after start, then every
        // 5 min) would delete those segments under a reader's feet, which made tests that read a topic after that
        // moment see only the records written after it. The data lives in a temporary directory anyway.
        p.put("log.retention.ms", "-1");
        // One local client set: the production defaults (3 network, 8 I/O threads) only add threads that
        // compete for the cores the model and the job run on.
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        Path properties = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(properties)) {
            p.store(w, "embedded broker");
        }
        KafkaRaftServer server = null;
        try {
            int rc = StorageTool.execute(
                    new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString()},
                    new PrintStream(OutputStream.nullOutputStream()));
            if (rc != 0) {
                throw new IllegalStateException("formatting the embedded broker's storage failed (status " + rc + ")");
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(server, dir, "127.0.0.1:" + brokerPort);
            kafka.awaitReady();
            return kafka;
        } catch (Exception | Error e) {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
            }
            TempDirs.deleteRecursively(dir);
            throw e;
        }
    }

    private void awaitReady() throws Exception {
        try (Admin admin = admin()) {
            // Answers once the broker has registered with the controller and serves metadata.
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Creates topics (replication factor 1); existing ones are an error. */
    public void createTopics(List<String> names, int partitions) throws Exception {
        KafkaClients.createTopics(bootstrapServers(), names, partitions);
    }

    public Admin admin() {
        return KafkaClients.admin(bootstrapServers());
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        TempDirs.deleteRecursively(dir);
    }
}
