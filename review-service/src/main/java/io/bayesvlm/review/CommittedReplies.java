package io.bayesvlm.review;

import io.bayesvlm.review.queue.Replies;
import io.bayesvlm.review.queue.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the replies topic with {@code read_committed} and completes the HTTP requests waiting in {@link Replies}:
 * an outcome is seen only once the transaction that applied the command (the queue change, the LabelEvent) has
 * committed, so a 200 is never the answer of an aborted transaction. Starts at the end of the topic (outcomes of
 * commands sent before this instance started have no waiter here).
 */
final class CommittedReplies extends WholeTopicReader {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedReplies.class);

    private final Replies replies;

    CommittedReplies(Properties client, String topic, Replies replies) {
        super(client, topic, false, settings(), "committed-replies");
        this.replies = replies;
        start();
    }

    private static Properties settings() {
        Properties p = new Properties();
        p.put("isolation.level", "read_committed");
        p.put("fetch.max.wait.ms", "5"); // an answer is waited for: fetch as soon as anything is there
        return p;
    }

    @Override
    protected void handle(ConsumerRecord<byte[], byte[]> r) {
        try {
            replies.complete(
                    new String(r.key(), StandardCharsets.UTF_8), JsonSerde.MAPPER.readValue(r.value(), Reply.class));
        } catch (java.io.IOException e) {
            LOG.warn("unreadable reply at offset {}: {}", r.offset(), e.toString());
        }
    }
}
