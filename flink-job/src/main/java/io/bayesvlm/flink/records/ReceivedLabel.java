package io.bayesvlm.flink.records;

import io.bayesvlm.avro.LabelEvent;

/**
 * A parsed label with where it was read (topic, partition, offset, key): a label the join cannot use becomes a dead
 * letter that points at the exact record. A Flink POJO.
 */
public class ReceivedLabel {
    public LabelEvent event;
    public String topic;
    public int partition;
    public long offset;

    public ReceivedLabel() {}

    public ReceivedLabel(LabelEvent event, String topic, int partition, long offset) {
        this.event = event;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public String eventId() {
        return event.getEventId();
    }
}
