package io.bayesvlm.review.queue;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.serde.RecordCodec;
import java.util.Locale;
import org.apache.kafka.streams.processor.api.Record;

/**
 * An item labelled anywhere (this service's reviewers, another labelling tool, an audit feed) leaves the queue: no
 * one is asked to label it again, and a reviewer still holding it is told it is already labelled. Its own labels
 * come back here too and change nothing. A label that arrives before its review request is kept (in the index store,
 * until the done-retention), and the request then enters the queue already labelled.
 */
public final class CloseLabelledItems extends QueueProcessor {
    private final String topic;
    private final RecordCodec<LabelEvent> codec;

    public CloseLabelledItems(String topic, RecordCodec<LabelEvent> codec) {
        this.topic = topic;
        this.codec = codec;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        LabelEvent label;
        try {
            label = codec.decode(topic, record.value());
        } catch (Exception e) {
            return; // only readable labels are written to this topic (KeyLabelsByItem)
        }
        QueueItem item = queue.get(label.getEventId());
        String by = label.getReviewerId() != null
                ? label.getReviewerId()
                : label.getLabelSource().name().toLowerCase(Locale.ROOT);
        if (item == null) {
            // before its request: kept, and the request then arrives closed (nobody is asked to label it again)
            queue.keepEarlyLabel(label.getEventId(), label.getLabel(), by, context.currentSystemTimeMs());
            return;
        }
        if (item.status() == QueueItem.Status.DONE) {
            return;
        }
        queue.put(item, item.labelled(by, label.getLabel(), context.currentSystemTimeMs()));
    }
}
