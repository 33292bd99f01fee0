package io.bayesvlm.review;

import io.bayesvlm.review.queue.Replies;
import io.bayesvlm.review.queue.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the replies topic with {@code read_committed} and completes the HTTP requests waiting in {@link Replies}:
 * an outcome is seen only once the transaction that applied the command (the queue change, the LabelEvent) has
 * committed, so a 200 is never the answer of an aborted transaction. Starts at the end of the topic (outcomes of
 * commands sent before this instance started have no waiter here).
 */
final class CommittedReplies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedReplies.class);

    private final Replies replies;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    private volatile boolean running = true;

    CommittedReplies(Properties client, String topic, Replies replies) {
        this.replies = replies;
        Properties cp = new Properties();
        cp.putAll(client);
        cp.put("isolation.level", "read_committed");
        cp.put("enable.auto.commit", "false");
        // an answer is waited for: fetch as soon as anything is there
        cp.put("fetch.max.wait.ms", "5");
        this.consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        consumer.position(tp); // resolve the end now, before any command of this instance is sent
        this.reader = new Thread(this::read, "committed-replies");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    private void read() {
        try (consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || r.value() == null) {
                        continue;
                    }
                    try {
                        replies.complete(
                                new String(r.key(), StandardCharsets.UTF_8),
                                JsonSerde.MAPPER.readValue(r.value(), Reply.class));
                    } catch (java.io.IOException e) {
                        LOG.warn("unreadable reply at offset {}: {}", r.offset(), e.toString());
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("replies: reader stopped", e);
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
    }
}
