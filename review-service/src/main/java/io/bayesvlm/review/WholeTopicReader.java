package io.bayesvlm.review;

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
 * A daemon thread that reads every record of a one-partition topic, from its start or from its end, and hands each
 * to {@link #handle}; every instance runs its own (no consumer group). {@link #close} stops it promptly.
 */
abstract class WholeTopicReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WholeTopicReader.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    private volatile boolean running = true;

    /**
     * @param fromStart read what is there already (else only what comes after the reader starts)
     * @param extra consumer settings on top of the service's client settings
     */
    WholeTopicReader(Properties client, String topic, boolean fromStart, Properties extra, String threadName) {
        Properties cp = new Properties();
        cp.putAll(client);
        cp.put("enable.auto.commit", "false");
        cp.putAll(extra);
        consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        if (fromStart) {
            consumer.seekToBeginning(List.of(tp));
        } else {
            consumer.seekToEnd(List.of(tp));
        }
        consumer.position(tp); // resolved now, before the service acts
        reader = new Thread(this::read, threadName);
        reader.setDaemon(true);
    }

    /** Starts reading (after the subclass is constructed). */
    final void start() {
        reader.start();
    }

    protected abstract void handle(ConsumerRecord<byte[], byte[]> record);

    private void read() {
        try (consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.value() != null) {
                        handle(r);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("{}: reader stopped", reader.getName(), e);
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
