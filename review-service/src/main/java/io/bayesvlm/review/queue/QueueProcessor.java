package io.bayesvlm.review.queue;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * What every processor that changes the review queue shares: its context and the queue's stores, opened once in
 * {@link #init}. Subclasses add their own setup in {@link #opened()}.
 */
abstract class QueueProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    protected ProcessorContext<byte[], byte[]> context;
    protected QueueStore queue;

    @Override
    public final void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.queue = QueueStore.of(context);
        opened();
    }

    /** Called once the context and the stores are there (e.g. to schedule a punctuation). */
    protected void opened() {}
}
