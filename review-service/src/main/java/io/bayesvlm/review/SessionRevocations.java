package io.bayesvlm.review;

import io.bayesvlm.review.http.Authenticator;
import io.bayesvlm.review.http.Sessions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-outs, on every instance: a revoked session's token id and expiry go to a compacted topic
 * (topics.revoked-sessions, one partition), and every instance reads the whole topic from the start into its
 * {@link Sessions}, so a cookie stops working everywhere, also on instances started later. Signing out waits until
 * the broker has the revocation.
 */
final class SessionRevocations implements Authenticator.SessionRevoker, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRevocations.class);

    private final String topic;
    private final Sessions sessions;
    private final LongSupplier clock;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread reader;
    private volatile boolean running = true;

    SessionRevocations(Properties client, String topic, Sessions sessions, LongSupplier clock) {
        this.topic = topic;
        this.sessions = sessions;
        this.clock = clock;
        Properties pp = new Properties();
        pp.putAll(client);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
        Properties cp = new Properties();
        cp.putAll(client);
        cp.put("enable.auto.commit", "false");
        this.consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
        this.reader = new Thread(this::read, "session-revocations");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    @Override
    public void revoke(String tokenId, long expiry) {
        try {
            producer.send(new ProducerRecord<>(
                            topic,
                            0,
                            tokenId,
                            ByteBuffer.allocate(8).putLong(expiry).array()))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // this instance has revoked it already; the others learn when the broker is back
            LOG.warn("could not record a sign-out on {}: {}", topic, e.toString());
        }
    }

    private void read() {
        try (consumer) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && r.value() != null && r.value().length == 8) {
                        sessions.revoke(r.key(), ByteBuffer.wrap(r.value()).getLong(), clock.getAsLong());
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("session revocations: reader stopped", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
