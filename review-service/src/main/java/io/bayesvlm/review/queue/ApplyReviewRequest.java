package io.bayesvlm.review.queue;

import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.serde.RecordCodec;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Puts each review request from the job into the queue as a pending item, and once a second (wall clock) returns
 * claims whose lease has run out to the queue and drops labelled items older than the retention. A request for an
 * item the queue already has (a duplicate) changes nothing; one that cannot be read is dead-lettered.
 */
public final class ApplyReviewRequest extends QueueProcessor {
    private final String topic;
    private final RecordCodec<ReviewRequest> codec;
    private final DeadLetterSink deadLetters;
    private final Duration doneRetention;

    public ApplyReviewRequest(
            String topic, RecordCodec<ReviewRequest> codec, DeadLetterSink deadLetters, Duration doneRetention) {
        this.topic = topic;
        this.codec = codec;
        this.deadLetters = deadLetters;
        this.doneRetention = doneRetention;
    }

    @Override
    protected void opened() {
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        ReviewRequest r = deadLetters.decodeOrSend(context, record, codec, topic, "ReviewRequest");
        if (r != null && queue.get(r.getEventId()) == null) {
            long now = context.currentSystemTimeMs();
            QueueItem item = QueueItem.of(r, now);
            String[] early = queue.takeEarlyLabel(r.getEventId());
            // labelled before it got here: it enters the queue closed, so no one labels it a second time
            queue.put(null, early == null ? item : item.labelled(early[2], early[1], Long.parseLong(early[0])));
        }
    }

    /** Expired leases back to the queue; labelled items past the retention out of the store. */
    void expire(long now) {
        for (String id : queue.idsBefore(QueueKeys.LEASE, now + 1)) {
            QueueItem item = queue.get(id);
            queue.put(item, item.released(null));
        }
        for (String id : queue.idsBefore(QueueKeys.DONE, now - doneRetention.toMillis())) {
            queue.delete(queue.get(id));
        }
        queue.expireEarlyLabels(now - doneRetention.toMillis());
    }
}
