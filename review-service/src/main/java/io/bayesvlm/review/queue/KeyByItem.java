package io.bayesvlm.review.queue;

import io.bayesvlm.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Re-keys every record of a topic the service does not write itself (the job's review requests; labels from this
 * service, other tools, audits, ground truth) by its event id, towards a topic of the service with the review
 * requests' partition count, written with Kafka's Java partitioner: the record then reaches the task that owns the
 * item, whatever keys and partitioner its producer used (a librdkafka producer hashes keys differently). Unreadable
 * records are dead-lettered with their original coordinates.
 */
public final class KeyByItem<T> implements Processor<byte[], byte[], byte[], byte[]> {
    private final String topic;
    private final RecordCodec<T> codec;
    private final String what;
    private final Function<T, String> eventId;
    private final String sink;
    private final DeadLetterSink deadLetters;
    private ProcessorContext<byte[], byte[]> context;

    /**
     * @param topic the topic read (for the codec and the dead letters)
     * @param what the record's name in a dead letter's reason
     * @param sink the sink node towards the re-keyed topic
     */
    public KeyByItem(
            String topic,
            RecordCodec<T> codec,
            String what,
            Function<T, String> eventId,
            String sink,
            DeadLetterSink deadLetters) {
        this.topic = topic;
        this.codec = codec;
        this.what = what;
        this.eventId = eventId;
        this.sink = sink;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        T value = deadLetters.decodeOrSend(context, record, codec, topic, what);
        if (value != null) {
            context.forward(record.withKey(eventId.apply(value).getBytes(StandardCharsets.UTF_8)), sink);
        }
    }
}
