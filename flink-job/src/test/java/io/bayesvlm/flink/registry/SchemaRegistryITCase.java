package io.bayesvlm.flink.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.embedded.EmbeddedRegistry;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.serde.RegistryAvroCodec;
import io.bayesvlm.serde.UnknownSchemaException;
import io.bayesvlm.serde.registry.RegistryConfig;
import io.bayesvlm.serde.registry.RegistryPreflight;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The registry serde against a real Apicurio Registry child process: the Confluent wire layout both ways, schema
 * ids shared by both REST dialects, evolution, unknown ids, incompatible changes and outages.
 */
class SchemaRegistryITCase {
    static final Path ROOT = io.bayesvlm.flink.ItConfig.ROOT;

    static EmbeddedRegistry registry;
    static RegistryRest rest;

    @BeforeAll
    static void start() throws Exception {
        registry = EmbeddedRegistry.start();
        rest = new RegistryRest(registry.confluentUrl());
        // Registries in production enforce compatibility; Apicurio's default is none.
        assertThat(rest.call("PUT", "/config", "{\"compatibility\":\"BACKWARD\"}")
                        .status())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        registry.close();
    }

    static String topic() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Schema v1() throws IOException {
        return ForeignProducer.imageEventV1();
    }

    static GenericRecord event(Schema schema, String id, String uploader) {
        return ForeignProducer.imageEvent(schema, id, 1_700_000_000_000L, new byte[] {1, 2, 3}, uploader);
    }

    RegistryConfig config(String url, RegistryConfig.Api api, boolean autoRegister) {
        return RegistryConfig.of(url, api, autoRegister);
    }

    String url(RegistryConfig.Api api) {
        return api == RegistryConfig.Api.CONFLUENT ? registry.confluentUrl() : registry.apicurioUrl();
    }

    @ParameterizedTest
    @EnumSource(RegistryConfig.Api.class)
    void oldAndNewProducersRecordsBothDecodeToTheCurrentClass(RegistryConfig.Api api) throws Exception {
        String topic = topic();
        int v1 = rest.register(topic + "-value", v1());
        int v2 = rest.register(topic + "-value", ImageEvent.getClassSchema()); // adding an optional field: BACKWARD ok
        assertThat(v2).isNotEqualTo(v1);

        RecordCodec<ImageEvent> codec = RecordCodec.of(ImageEvent.class, config(url(api), api, false));
        ImageEvent old = codec.decode(topic, RegistryRest.confluentBytes(v1, event(v1(), "old", null)));
        ImageEvent now =
                codec.decode(topic, RegistryRest.confluentBytes(v2, event(ImageEvent.getClassSchema(), "new", "u-7")));

        assertThat(old.getEventId()).isEqualTo("old");
        assertThat(old.getUploaderId()).isNull(); // the reader's default for a field the writer did not have
        assertThat(old.getImage()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(now.getEventId()).isEqualTo("new");
        assertThat(now.getUploaderId()).isEqualTo("u-7");
        assertThat(now.getEventTime().toEpochMilli()).isEqualTo(1_700_000_000_000L);
    }

    @ParameterizedTest
    @EnumSource(RegistryConfig.Api.class)
    void writesTheConfluentLayoutWithTheRegistrysSchemaId(RegistryConfig.Api api) throws Exception {
        String topic = topic();
        RecordCodec<Decision> codec = RecordCodec.of(Decision.class, config(url(api), api, true));
        Decision d = io.bayesvlm.flink.operators.TestRecords.decision("d-1", 1_700_000_000_000L, 0.7, 0.2, 0.1);
        byte[] bytes = codec.encode(topic, d);

        assertThat(bytes[0]).isZero();
        // The id in the header is the one the Confluent API shows for the auto-registered subject.
        assertThat(RegistryRest.id(bytes)).isEqualTo(rest.latestId(topic + "-value"));
        GenericRecord read = rest.decode(bytes);
        assertThat(read.get("event_id").toString()).isEqualTo("d-1");
        assertThat(read.getSchema()).isEqualTo(Decision.getClassSchema());
        assertThat(codec.decode(topic, bytes)).isEqualTo(d);
    }

    @Test
    void subjectStrategiesNameSubjectsLikeConfluents() throws Exception {
        String topic = topic();
        for (RegistryConfig.SubjectStrategy s : RegistryConfig.SubjectStrategy.values()) {
            RegistryConfig c = new RegistryConfig(
                    registry.confluentUrl(),
                    RegistryConfig.Api.CONFLUENT,
                    RegistryConfig.Auth.NONE,
                    "",
                    "",
                    "",
                    s,
                    true,
                    java.time.Duration.ofMillis(100),
                    java.time.Duration.ofSeconds(1),
                    java.time.Duration.ofSeconds(5));
            byte[] bytes = RecordCodec.of(Decision.class, c)
                    .encode(topic, io.bayesvlm.flink.operators.TestRecords.decision("d", 0L, 0.7, 0.2, 0.1));
            String subject = s.subject(topic, Decision.getClassSchema().getFullName());
            assertThat(rest.latestId(subject)).isEqualTo(RegistryRest.id(bytes));
        }
        assertThat(rest.call("GET", "/subjects", null).body().toString())
                .contains(
                        "\"" + topic + "-value\"",
                        "\"io.bayesvlm.avro.Decision\"",
                        "\"" + topic + "-io.bayesvlm.avro.Decision\"");
    }

    @Test
    void anUnknownSchemaIdIsReportedAsSuchAndForeignBytesAsUndecodable() throws Exception {
        RecordCodec<ImageEvent> codec =
                RecordCodec.of(ImageEvent.class, config(registry.confluentUrl(), RegistryConfig.Api.CONFLUENT, false));
        byte[] unknown = RegistryRest.confluentBytes(987_654, event(v1(), "x", null));
        assertThatThrownBy(() -> codec.decode("t", unknown))
                .isInstanceOf(UnknownSchemaException.class)
                .hasMessageContaining("schema id 987654");
        assertThatThrownBy(() -> codec.decode("t", "plain text".getBytes()))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownSchemaException.class)
                .hasMessageContaining("Confluent wire format");

        // A registered schema of another record type (a Decision on the image topic) is not an ImageEvent.
        byte[] decision = RecordCodec.of(
                        Decision.class, config(registry.confluentUrl(), RegistryConfig.Api.CONFLUENT, true))
                .encode(topic(), io.bayesvlm.flink.operators.TestRecords.decision("d", 0L, 0.7, 0.2, 0.1));
        assertThatThrownBy(() -> codec.decode("t", decision))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownSchemaException.class)
                .hasMessageContaining("is not a ImageEvent schema");

        RecordCodec<ImageEvent> apicurio =
                RecordCodec.of(ImageEvent.class, config(registry.apicurioUrl(), RegistryConfig.Api.APICURIO, false));
        assertThatThrownBy(() -> apicurio.decode("t", unknown)).isInstanceOf(UnknownSchemaException.class);
    }

    @Test
    void theRegistryRejectsAnIncompatibleChangeAndTheJobsStartupCheckSaysSo() throws Exception {
        String topic = topic();
        rest.register(topic + "-value", ImageEvent.getClassSchema());
        // v3 adds a required field without a default: records written before could no longer be read.
        Schema incompatible = new Schema.Parser()
                .parse(ImageEvent.getClassSchema()
                        .toString()
                        .replace("\"fields\":[", "\"fields\":[{\"name\":\"tier\",\"type\":\"int\"},"));
        RegistryRest.Response r =
                rest.call("POST", "/subjects/" + topic + "-value/versions", RegistryRest.schemaBody(incompatible));
        assertThat(r.status()).isEqualTo(409);

        // Someone owns the decisions subject with a schema the job's Decision cannot evolve from.
        Schema foreign = SchemaBuilder.record("Decision")
                .namespace("io.bayesvlm.avro")
                .fields()
                .requiredInt("event_id")
                .endRecord();
        rest.register(topic + "-decisions-value", foreign);
        RegistryConfig c = config(registry.confluentUrl(), RegistryConfig.Api.CONFLUENT, true);
        assertThatThrownBy(() -> RegistryPreflight.check(c, Map.of(topic + "-decisions", Decision.getClassSchema())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refused the Decision schema for subject '" + topic + "-decisions-value'")
                .hasMessageContaining("409");

        // Without auto-register, a missing output schema is named with the option to change.
        RegistryConfig manual = config(registry.confluentUrl(), RegistryConfig.Api.CONFLUENT, false);
        assertThatThrownBy(() -> RegistryPreflight.check(
                        manual, Map.of(topic + "-reviews", io.bayesvlm.avro.ReviewRequest.getClassSchema())))
                .hasMessageContaining("not registered under subject '" + topic + "-reviews-value'")
                .hasMessageContaining("registry.auto-register");
        // And with it registered, the check passes and reports the id.
        int id = rest.register(topic + "-reviews-value", io.bayesvlm.avro.ReviewRequest.getClassSchema());
        assertThat(RegistryPreflight.check(
                        manual, Map.of(topic + "-reviews", io.bayesvlm.avro.ReviewRequest.getClassSchema())))
                .containsEntry(topic + "-reviews-value", (long) id);
    }

    @ParameterizedTest
    @EnumSource(RegistryConfig.Api.class)
    void startupCheckFailsFastWhenTheRegistryIsUnreachable(RegistryConfig.Api api) throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + (api == RegistryConfig.Api.CONFLUENT ? "" : "/apis/registry/v3");
        long t0 = System.nanoTime();
        assertThatThrownBy(
                        () -> RegistryPreflight.check(config(url, api, true), Map.of("t", Decision.getClassSchema())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("registry.url " + url + " is unreachable");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
    }

    /** {@code bin/bayesvlm job} as a user runs it: a registry problem stops it before submission, exit status 2. */
    @Test
    void theLauncherRefusesToStartTheJobOnARegistryProblem(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String down = "http://127.0.0.1:" + closed;
        assertThat(launchJob(dir, "--registry.url", down))
                .contains("bayesvlm job: schema registry at registry.url " + down + " is unreachable");

        String topic = topic();
        assertThat(launchJob(dir, "--registry.url", registry.confluentUrl(), "--topics.decisions", topic))
                .contains(
                        "bayesvlm job: the Decision schema is not registered under subject '" + topic + "-value'",
                        "registry.auto-register");
    }

    /** Runs the job launcher, expects exit status 2 within two minutes, returns its stderr. */
    static String launchJob(Path dir, String... options) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(
                java.util.List.of(ROOT.resolve("bin/bayesvlm").toString(), "job"));
        cmd.addAll(java.util.List.of(options));
        Path err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd)
                .directory(ROOT.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String stderr = java.nio.file.Files.readString(err);
        assertThat(p.exitValue()).as(stderr).isEqualTo(2);
        return stderr;
    }

    @ParameterizedTest
    @EnumSource(RegistryConfig.Api.class)
    void aRecordWithANewSchemaIdWaitsOutARegistryOutage(RegistryConfig.Api api) throws Exception {
        String topic = topic();
        try (TcpProxy proxy = new TcpProxy(registry.port())) {
            String base = "http://127.0.0.1:" + proxy.port();
            String url = api == RegistryConfig.Api.CONFLUENT ? base + "/apis/ccompat/v7" : base + "/apis/registry/v3";
            RegistryAvroCodec<ImageEvent> codec = new RegistryAvroCodec<>(ImageEvent.class, config(url, api, false));
            int v1 = rest.register(topic + "-value", v1());
            assertThat(codec.decode(topic, RegistryRest.confluentBytes(v1, event(v1(), "before", null)))
                            .getEventId())
                    .isEqualTo("before");

            proxy.down();
            // A producer moved to v2 meanwhile (registered directly, not through the cut link).
            int v2 = rest.register(topic + "-value", ImageEvent.getClassSchema());
            byte[] bytes = RegistryRest.confluentBytes(v2, event(ImageEvent.getClassSchema(), "during", "u"));
            CompletableFuture<ImageEvent> decoded = CompletableFuture.supplyAsync(() -> {
                try {
                    return codec.decode(topic, bytes);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(2_000);
            assertThat(decoded).isNotDone(); // waiting, not failed and not dead-lettered
            proxy.up();
            assertThat(decoded.get(30, TimeUnit.SECONDS).getEventId()).isEqualTo("during");
            assertThat(codec.registryRetries()).isPositive();

            // The writing side: a sink that (re)starts during an outage waits for its schema too.
            RegistryAvroCodec<Decision> writer = new RegistryAvroCodec<>(Decision.class, config(url, api, true));
            proxy.down();
            CompletableFuture<byte[]> written = CompletableFuture.supplyAsync(() -> writer.encode(
                    topic + "-out", io.bayesvlm.flink.operators.TestRecords.decision("w", 0L, 0.7, 0.2, 0.1)));
            Thread.sleep(1_500);
            assertThat(written).isNotDone();
            proxy.up();
            byte[] bytes2 = written.get(30, TimeUnit.SECONDS);
            assertThat(RegistryRest.id(bytes2)).isEqualTo(rest.latestId(topic + "-out-value"));
            assertThat(writer.registryRetries()).isPositive();
        }
    }
}
