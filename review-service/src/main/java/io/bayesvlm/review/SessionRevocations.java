package io.bayesvlm.review;

import io.bayesvlm.review.http.Authenticator;
import io.bayesvlm.review.http.Sessions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-outs, on every instance: a revoked session's token id and expiry go to a compacted topic
 * (topics.revoked-sessions, one partition), and every instance reads the whole topic from the start into its
 * {@link Sessions}, so a cookie stops working everywhere, also on instances started later. Signing out waits until
 * the broker has the revocation.
 */
final class SessionRevocations extends WholeTopicReader implements Authenticator.SessionRevoker {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRevocations.class);

    private final String topic;
    private final Sessions sessions;
    private final LongSupplier clock;
    private final KafkaProducer<String, byte[]> producer;

    SessionRevocations(Properties client, String topic, Sessions sessions, LongSupplier clock) {
        super(client, topic, true, new Properties(), "session-revocations");
        this.topic = topic;
        this.sessions = sessions;
        this.clock = clock;
        Properties pp = new Properties();
        pp.putAll(client);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
        start();
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

    @Override
    protected void handle(ConsumerRecord<byte[], byte[]> r) {
        if (r.value().length == 8) {
            sessions.revoke(
                    new String(r.key(), java.nio.charset.StandardCharsets.UTF_8),
                    ByteBuffer.wrap(r.value()).getLong(),
                    clock.getAsLong());
        }
    }

    @Override
    public void close() {
        super.close();
        producer.close(Duration.ofSeconds(5));
    }
}
