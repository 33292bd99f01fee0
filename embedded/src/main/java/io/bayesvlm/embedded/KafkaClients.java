package io.bayesvlm.embedded;

import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Byte-array Kafka clients for the demo, the benchmark and the tests. */
public final class KafkaClients {

    private KafkaClients() {}

    public static org.apache.kafka.clients.admin.Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return org.apache.kafka.clients.admin.Admin.create(p);
    }

    /** Lets one topic hold records up to {@code maxBytes} (the broker's default limit is 1 MiB). */
    public static void allowRecordsUpTo(String bootstrap, String topic, int maxBytes) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = admin(bootstrap)) {
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            var op = new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", Integer.toString(maxBytes)),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(java.util.Map.of(resource, java.util.List.of(op)))
                    .all()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Creates topics with replication factor 1 (a one-broker cluster); existing ones are an error. */
    public static void createTopics(String bootstrap, List<String> names, int partitions) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = admin(bootstrap)) {
            admin.createTopics(names.stream()
                            .map(n -> new org.apache.kafka.clients.admin.NewTopic(n, partitions, (short) 1))
                            .toList())
                    .all()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return producer(bootstrap, 1 << 20);
    }

    /** A producer for records up to {@code maxRequestBytes} (photos: the topic must allow them too). */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap, int maxRequestBytes) {
        Properties p = new Properties();
        p.put("max.request.size", Integer.toString(maxRequestBytes));
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("linger.ms", "2");
        return new KafkaProducer<>(p);
    }

    /**
     * A consumer in a fresh group that sees only committed records (the job writes transactionally), from the
     * beginning; subscribed to the topics if any are given, else to be assigned by the caller.
     */
    public static KafkaConsumer<byte[], byte[]> readCommitted(String bootstrap, String... topics) {
        return consumer(bootstrap, "read_committed", topics);
    }

    /** Like {@link #readCommitted} but also sees records of open and aborted transactions (log end offsets). */
    public static KafkaConsumer<byte[], byte[]> readUncommitted(String bootstrap, String... topics) {
        return consumer(bootstrap, "read_uncommitted", topics);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation, String... topics) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "reader-" + UUID.randomUUID());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("isolation.level", isolation);
        p.put("auto.offset.reset", "earliest");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
        if (topics.length > 0) {
            c.subscribe(List.of(topics));
        }
        return c;
    }
}
