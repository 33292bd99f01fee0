package io.bayesvlm.flink.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.LabelSource;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.embedded.EmbeddedRegistry;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.flink.FlinkSettings;
import io.bayesvlm.flink.ItConfig;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.ModerationJob;
import io.bayesvlm.flink.TestImages;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.serde.RecordCodec;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job with a real schema registry (Apicurio, as a child process), a real broker and a MiniCluster. Producers
 * here are "foreign": their bytes are built only from the registry's Confluent-compatible REST API and plain Avro.
 */
class SchemaRegistryJobITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    static TestKafka kafka;
    static EmbeddedRegistry registry;
    static RegistryRest rest;

    @BeforeAll
    static void start() throws Exception {
        kafka = TestKafka.start();
        registry = EmbeddedRegistry.start();
        rest = new RegistryRest(registry.confluentUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        registry.close();
        kafka.close();
    }

    static Schema v1() throws java.io.IOException {
        return ForeignProducer.imageEventV1();
    }

    static GenericRecord event(Schema schema, String id, long time, byte[] image) {
        return ForeignProducer.imageEvent(schema, id, time, image, "uploader-" + id);
    }

    /** Sends sample images as foreign producers do; returns their event ids. */
    static List<String> sendImages(KafkaProducer<byte[], byte[]> p, JobConfig c, Schema schema, int id, int from, int n)
            throws Exception {
        List<SampleImages.Item> items = SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"));
        List<String> ids = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            String eventId = "e-" + i;
            byte[] image = Files.readAllBytes(items.get(i).file());
            KafkaTestUtil.send(
                    p,
                    c.topics().images(),
                    eventId,
                    RegistryRest.confluentBytes(id, event(schema, eventId, 1_700_000_000_000L + 1000L * i, image)));
            ids.add(eventId);
        }
        return ids;
    }

    /** The true class of sample event e-i. */
    static String label(String eventId) throws java.io.IOException {
        int i = Integer.parseInt(eventId.substring(2));
        return SampleImages.items(ItConfig.ROOT.resolve("models/fashion-mnist-sample"))
                .get(i)
                .label();
    }

    static JobConfig config(String registryUrl) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return ItConfig.of(kafka, suffix, Map.of("registry.url", registryUrl, "registry.auto-register", "true"));
    }

    @Test
    void readsForeignProducersOldAndNewSchemasAndWritesTheConfluentLayout() throws Exception {
        JobConfig c = config(registry.confluentUrl());
        String subject = c.topics().images() + "-value";
        int v1 = rest.register(subject, v1());
        int v2 = rest.register(subject, ImageEvent.getClassSchema());
        Map<String, Long> outputs = io.bayesvlm.flink.JobPreflight.checkRegistry(c);
        assertThat(outputs).containsKey(c.topics().decisions() + "-value");

        List<String> good = new ArrayList<>();
        RecordCodec<LabelEvent> labels = RecordCodec.of(LabelEvent.class, c.registry());
        try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
            good.addAll(sendImages(p, c, v1(), v1, 0, 8)); // an old producer
            good.addAll(sendImages(p, c, ImageEvent.getClassSchema(), v2, 8, 8)); // a producer on v2
            KafkaTestUtil.send(
                    p,
                    c.topics().images(),
                    "bad-id",
                    RegistryRest.confluentBytes(987_654, event(v1(), "bad-id", 0L, new byte[] {1})));
            KafkaTestUtil.send(
                    p,
                    c.topics().images(),
                    "bad-plain",
                    new io.bayesvlm.serde.AvroCodec<>(ImageEvent.class)
                            .encode(TestImages.event("bad-plain", 0L, "plain-avro-producer", new byte[] {1})));
            for (String id : good) {
                KafkaTestUtil.send(
                        p,
                        c.topics().labels(),
                        id,
                        labels.encode(
                                c.topics().labels(),
                                LabelEvent.newBuilder()
                                        .setEventId(id)
                                        .setLabel(label(id))
                                        .setLabelSource(LabelSource.AUDIT)
                                        .setLabelTime(Instant.now())
                                        .build()));
            }
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, true), KafkaEndpoints.sinks(c), c);
        env.execute("it-registry");

        String bs = kafka.bootstrapServers();
        // Decisions: Confluent layout, id of the registered Decision schema, readable with the schema fetched by id.
        List<ConsumerRecord<byte[], byte[]>> decisions =
                KafkaTestUtil.readAll(bs, c.topics().decisions());
        Set<String> decided = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : decisions) {
            assertThat(r.value()[0]).isZero();
            assertThat((long) RegistryRest.id(r.value()))
                    .isEqualTo(outputs.get(c.topics().decisions() + "-value"));
            GenericRecord d = rest.decode(r.value());
            assertThat(d.getSchema().getFullName()).isEqualTo("io.bayesvlm.avro.Decision");
            decided.add(d.get("event_id").toString());
        }
        assertThat(decided).containsExactlyInAnyOrderElementsOf(good);
        assertThat(decisions).hasSize(good.size());

        // Every output topic is in the Confluent layout.
        for (String topic : List.of(
                c.topics().reviews(), c.topics().calibration(), c.topics().deadLetters())) {
            List<ConsumerRecord<byte[], byte[]>> records = KafkaTestUtil.readAll(bs, topic);
            assertThat(records).as(topic).isNotEmpty();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                assertThat(rest.decode(r.value()).getSchema().getFullName()).startsWith("io.bayesvlm.avro.");
            }
        }

        // Unknown schema id and a record without the Confluent header: dead letters with their reasons.
        RecordCodec<DeadLetter> deadCodec = RecordCodec.of(DeadLetter.class, c.registry());
        Map<String, DeadLetter> dead = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaTestUtil.readAll(bs, c.topics().deadLetters())) {
            DeadLetter d = deadCodec.decode(c.topics().deadLetters(), r.value());
            dead.put(new String(d.getKey().array()), d);
        }
        assertThat(dead.keySet()).containsExactlyInAnyOrder("bad-id", "bad-plain");
        assertThat(dead.get("bad-id").getErrorCode()).isEqualTo("UNKNOWN_SCHEMA_ID");
        assertThat(dead.get("bad-id").getErrorMessage()).contains("schema id 987654");
        assertThat(dead.get("bad-plain").getErrorCode()).isEqualTo("UNDECODABLE_RECORD");
        assertThat(dead.get("bad-plain").getErrorMessage()).contains("Confluent wire format");
    }

    @Test
    void aRegistryOutageMidStreamDelaysRecordsButLosesNone() throws Exception {
        try (TcpProxy proxy = new TcpProxy(registry.port())) {
            JobConfig c = config("http://127.0.0.1:" + proxy.port() + "/apis/ccompat/v7");
            String subject = c.topics().images() + "-value";
            int v1 = rest.register(subject, v1());
            io.bayesvlm.flink.JobPreflight.checkRegistry(c);

            JobClient job = startUnbounded(c, "it-registry-outage");
            try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                List<String> ids = new ArrayList<>(sendImages(p, c, v1(), v1, 0, 6));
                awaitDecisions(c, n -> n >= 6, 90);

                proxy.down();
                // Producers move to v2 while the job cannot reach the registry: it has never seen that id.
                int v2 = rest.register(subject, ImageEvent.getClassSchema());
                ids.addAll(sendImages(p, c, ImageEvent.getClassSchema(), v2, 6, 6));
                Thread.sleep(5_000);
                assertThat(decisionIds(c)).hasSize(6);
                assertThat(KafkaTestUtil.readAll(
                                kafka.bootstrapServers(), c.topics().deadLetters()))
                        .isEmpty();
                assertThat(job.getJobStatus().get()).isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);

                proxy.up();
                awaitDecisions(c, n -> n >= 12, 90);
                assertThat(decisionIds(c)).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(KafkaTestUtil.readAll(
                                kafka.bootstrapServers(), c.topics().deadLetters()))
                        .isEmpty();
            } finally {
                job.cancel().get();
            }
        }
    }

    /**
     * Registry outages of 7 s and 14 s against a checkpoint timeout of 4 s and a transaction timeout of 10 s (the
     * production ratio of, say, 7 and 14 minutes to 4 and 10): the first outlasts the checkpoint timeout, the second
     * both. Records wait while the registry is away, checkpoints expire and the job fails over (restarts allowed
     * here), transactions the broker aborts are replayed from the last checkpoint: every event is decided exactly
     * once, none dead-lettered.
     */
    @Test
    void registryOutagesBeyondTheCheckpointAndTransactionTimeoutsLoseNothing(
            @org.apache.flink.test.junit5.InjectClusterClient org.apache.flink.client.program.ClusterClient<?> flink)
            throws Exception {
        try (TcpProxy proxy = new TcpProxy(registry.port())) {
            JobConfig c = ItConfig.of(
                    kafka,
                    UUID.randomUUID().toString().substring(0, 8),
                    Map.ofEntries(
                            Map.entry("registry.url", "http://127.0.0.1:" + proxy.port() + "/apis/ccompat/v7"),
                            Map.entry("registry.auto-register", "true"),
                            Map.entry("registry.retry-backoff-max", "1 s"),
                            Map.entry("checkpoint.interval", "500 ms"),
                            Map.entry("checkpoint.timeout", "4 s"),
                            Map.entry("kafka.transaction-timeout", "10 s"),
                            Map.entry("restart-strategy.type", "fixed-delay"),
                            Map.entry("restart-strategy.fixed-delay.attempts", "100"),
                            Map.entry("restart-strategy.fixed-delay.delay", "500 ms")));
            String subject = c.topics().images() + "-value";
            int v1 = rest.register(subject, v1());
            io.bayesvlm.flink.JobPreflight.checkRegistry(c);
            JobClient job = startUnbounded(c, "it-registry-long-outages");
            List<String> ids = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> p = KafkaTestUtil.producer(kafka.bootstrapServers())) {
                ids.addAll(sendImages(p, c, v1(), v1, 0, 6));
                awaitDecisions(c, n -> n >= 6, 90);
                int from = 6;
                int version = 2;
                for (long outage : new long[] {7_000, 14_000}) {
                    // Producers move to a schema version the job has never seen, so it must ask the registry.
                    Schema next = withOptionalField(ImageEvent.getClassSchema(), "note_v" + version++);
                    int id = rest.register(subject, next);
                    proxy.down();
                    ids.addAll(sendImages(p, c, next, id, from, 6));
                    from += 6;
                    Thread.sleep(outage);
                    proxy.up();
                    int expected = ids.size();
                    awaitDecisions(c, n -> n >= expected, 120);
                }
                // The outages outlasted the checkpoint timeout: checkpoints expired and the job failed over.
                String exceptions = java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                                flink.getWebInterfaceURL() + "/jobs/" + job.getJobID() + "/exceptions"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
                System.out.println("failovers during the outages: "
                        + exceptions.split("\"exceptionName\"", -1).length / 2
                        + " ("
                        + exceptions.length()
                        + " chars of exception history)");
                assertThat(exceptions)
                        .as("a failover from an expired checkpoint")
                        .containsIgnoringCase("checkpoint");
            } finally {
                job.cancel().get();
            }
            List<String> decided = decisionIds(c);
            assertThat(decided).as("every event decided exactly once").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(KafkaTestUtil.readAll(
                            kafka.bootstrapServers(), c.topics().deadLetters()))
                    .isEmpty();
        }
    }

    /** The production job on unbounded Kafka sources, running in the background. */
    static JobClient startUnbounded(JobConfig c, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, false), KafkaEndpoints.sinks(c), c);
        return env.executeAsync(name);
    }

    /** {@code base} with one more optional string field (default null): a compatible new version. */
    static Schema withOptionalField(Schema base, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(
                name,
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                null,
                org.apache.avro.JsonProperties.NULL_VALUE));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    @Test
    void embeddedServicesListenOnLoopbackOnly() throws Exception {
        java.net.InetAddress external =
                java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                        .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                        .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address)
                        .findFirst()
                        .orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                external != null, "this machine has no non-loopback address to try");
        List<Integer> ports = new java.util.ArrayList<>(List.of(registry.port(), registry.managementPort()));
        if (kafka.kind() == TestKafka.Kind.EMBEDDED) { // a container's port is Docker's to publish
            ports.add(Integer.parseInt(
                    kafka.bootstrapServers().substring(kafka.bootstrapServers().lastIndexOf(':') + 1)));
        }
        for (int port : ports) {
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                assertThat(s.isConnected()).isTrue();
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new java.net.Socket(external, port).close())
                    .as("port %d on %s", port, external)
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    static List<String> decisionIds(JobConfig c) throws Exception {
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestUtil.readCommittedSoFar(
                kafka.bootstrapServers(), c.topics().decisions())) {
            ids.add(rest.decode(r.value()).get("event_id").toString());
        }
        return ids;
    }

    static void awaitDecisions(JobConfig c, Predicate<Integer> done, int seconds) throws Exception {
        try {
            await("decisions")
                    .atMost(Duration.ofSeconds(seconds))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> KafkaTestUtil.readCommittedSoFar(
                                            kafka.bootstrapServers(), c.topics().decisions())
                                    .size(),
                            done::test);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "decisions did not arrive in time; visible ids "
                            + decisionIds(c).stream().sorted().collect(Collectors.joining(",")),
                    e);
        }
    }
}
