package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.embedded.KafkaTestUtil;
import io.bayesvlm.embedded.TestKafka;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.serde.AvroCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An operator's worst day on the MiniCluster ({@link HostileStream}: each kind of poison record, each followed by a
 * canary image). The job runs with restarts switched off, so a single failure would fail the run: every canary must be
 * decided exactly once, every poison accounted for exactly once, and the event-time windows must stay current (a
 * year-9999 event must not make the canaries after it late). The multi-process cluster runs the same stream
 * (deploy's ModerationClusterITCase).
 */
class HostileStreamITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    static TestKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void noPoisonStopsTheStreamAndEveryOneIsAccountedForOnce() throws Exception {
        Map<String, String> options = new HashMap<>(HostileStream.options());
        options.put("restart-strategy.type", "none"); // any failure fails the test
        options.put("calibration.window-size", "1 h"); // tumbling: each labelled pair counts in exactly one window
        options.put("calibration.window-slide", "1 h");
        options.put("drift.window-size", "1 h");
        JobConfig c = ItConfig.of(kafka, UUID.randomUUID().toString().substring(0, 8), options);
        try (var admin = kafka.admin()) {
            HostileStream.allowLargeImages(admin, c.topics().images());
        }
        HostileStream.Produced p = HostileStream.produce(
                kafka.bootstrapServers(), c, new AvroCodec<>(ImageEvent.class), new AvroCodec<>(LabelEvent.class));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, true), KafkaEndpoints.sinks(c), c);
        env.execute("it-hostile-stream"); // restart-strategy none: throws on any failure
        long end = System.currentTimeMillis();

        String bs = kafka.bootstrapServers();
        List<ConsumerRecord<byte[], byte[]>> decisionRecords =
                KafkaTestUtil.readAll(bs, c.topics().decisions());
        List<ConsumerRecord<byte[], byte[]>> reviewRecords =
                KafkaTestUtil.readAll(bs, c.topics().reviews());
        List<Decision> decisions = decode(decisionRecords, Decision.class);
        List<DeadLetter> dead = KafkaTestUtil.readAll(bs, c.topics().deadLetters(), DeadLetter.class);
        // Without a registry the framed record is simply not Avro; with one (the cluster test) it is UNKNOWN_SCHEMA_ID.
        HostileStream.assertAccountedFor(
                c,
                p,
                decisionRecords,
                decisions,
                dead,
                reviewRecords,
                decode(reviewRecords, ReviewRequest.class),
                "UNDECODABLE_RECORD",
                end);

        List<CalibrationReport> reports = KafkaTestUtil.readAll(bs, c.topics().calibration(), CalibrationReport.class);
        List<DriftReport> drift = KafkaTestUtil.readAll(bs, c.topics().drift(), DriftReport.class);
        HostileStream.assertWindowsCurrent(p, reports, drift, end);
        long labelled =
                reports.stream().mapToLong(CalibrationReport::getDecided).sum();
        assertThat(labelled)
                .as("labelled decisions in windows: every canary and the two future poisons, none late")
                .isEqualTo(p.canaryTruth().size() + 2);
        System.out.printf(
                "hostile stream (MiniCluster): %d decisions (%d canaries), %d dead letters, %d windows%n",
                decisions.size(), p.canaryTruth().size(), dead.size(), reports.size());
    }

    static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> decode(
            List<ConsumerRecord<byte[], byte[]>> records, Class<T> type) throws Exception {
        AvroCodec<T> codec = new AvroCodec<>(type);
        List<T> out = new ArrayList<>();
        for (var r : records) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }
}
