package io.bayesvlm.review.calibration;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.review.queue.DeadLetterSink;
import io.bayesvlm.serde.RecordCodec;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the latest {@code keep} calibration reports of each model in the {@code calibration-history} store,
 * keyed {@code <model>|<window end>} so that a range scan is the model's history in time order. A report for a
 * window already stored replaces it; one that cannot be read is dead-lettered.
 */
public final class KeepCalibrationHistory implements Processor<byte[], byte[], byte[], byte[]> {
    public static final String STORE = "calibration-history";

    private final String topic;
    private final RecordCodec<CalibrationReport> codec;
    private final DeadLetterSink deadLetters;
    private final int keep;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, ReportView> history;

    public KeepCalibrationHistory(
            String topic, RecordCodec<CalibrationReport> codec, DeadLetterSink deadLetters, int keep) {
        this.topic = topic;
        this.codec = codec;
        this.deadLetters = deadLetters;
        this.keep = keep;
    }

    public static String key(String model, long windowEnd) {
        return model + '|' + String.format("%016x", windowEnd);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.history = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        CalibrationReport report = deadLetters.decodeOrSend(context, record, codec, topic, "CalibrationReport");
        if (report == null) {
            return;
        }
        ReportView view = ReportView.of(report);
        history.put(key(view.model(), view.windowEnd()), view);
        trim(view.model());
    }

    /** Drops the oldest reports of the model beyond {@code keep}. */
    private void trim(String model) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<String, ReportView> it = history.range(model + '|', model + '}')) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        for (String k : keys.subList(0, Math.max(0, keys.size() - keep))) {
            history.delete(k);
        }
    }
}
