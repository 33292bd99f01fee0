package io.bayesvlm.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tests' topic reader against a real broker: a transaction that is still undecided when the read starts (as
 * a job's final commit can be, its markers not yet written) is waited for, not silently left out.
 */
class KafkaTestUtilITCase {
    static TestKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    @Test
    void readAllWaitsForTransactionsThatAreStillUndecided() throws Exception {
        String topic = "settle-" + System.nanoTime();
        kafka.createTopics(List.of(topic), 2);
        try (KafkaProducer<byte[], byte[]> p = transactional("settle-" + topic)) {
            p.initTransactions();
            p.beginTransaction();
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>(topic, ("k" + i).getBytes(), new byte[] {(byte) i}))
                        .get();
            }
            // Undecided now: a reader stopping at the current last stable offset sees nothing.
            assertThat(KafkaTestUtil.readCommittedSoFar(kafka.bootstrapServers(), topic))
                    .isEmpty();

            // readAll waits for it instead of returning the partial topic, and says why it gave up.
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            KafkaTestUtil.readAll(kafka.bootstrapServers(), topic, java.time.Duration.ofSeconds(2)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("undecided");
            p.commitTransaction();
            assertThat(KafkaTestUtil.readAll(kafka.bootstrapServers(), topic)).hasSize(5);
        }
    }

    /**
     * The job writes outputs with event-time timestamps, and the tests' events are from 2023: under the broker's
     * default 7-day retention, its retention check (30 s after start, then every 5 min) deleted such segments
     * between a job's output and the test's read, so a test saw only the records written after the check (the
     * cluster test once read 2 of 30 decisions). The test brokers keep everything.
     */
    @Test
    void theTestBrokerNeverDeletesOldTimestampedRecords() throws Exception {
        String topic = "retention-" + System.nanoTime();
        kafka.createTopics(List.of(topic), 1);
        var resource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        try (var admin = kafka.admin()) {
            var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("retention.ms").value()).isEqualTo("-1");
        }
    }

    private static KafkaProducer<byte[], byte[]> transactional(String id) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("transactional.id", id);
        return new KafkaProducer<>(props);
    }
}
