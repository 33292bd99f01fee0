package io.bayesvlm.review.queue;

import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Re-keys every label on the labels topic (from this service, other tools, audits, ground truth) by its event id,
 * towards the labels-by-item topic that has the review requests' partition count: the label then reaches the task
 * that owns the item, whatever the labels topic's keys and partitions. Unreadable labels are dead-lettered.
 */
public final class KeyLabelsByItem implements Processor<byte[], byte[], byte[], byte[]> {
    public static final String SINK = "labels-by-item sink";

    private final String topic;
    private final RecordCodec<LabelEvent> codec;
    private final DeadLetterSink deadLetters;
    private ProcessorContext<byte[], byte[]> context;

    public KeyLabelsByItem(String topic, RecordCodec<LabelEvent> codec, DeadLetterSink deadLetters) {
        this.topic = topic;
        this.codec = codec;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        LabelEvent label = deadLetters.decodeOrSend(context, record, codec, topic, "LabelEvent");
        if (label != null) {
            context.forward(record.withKey(label.getEventId().getBytes(StandardCharsets.UTF_8)), SINK);
        }
    }
}
