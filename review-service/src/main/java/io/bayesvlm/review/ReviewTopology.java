package io.bayesvlm.review;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.review.calibration.KeepCalibrationHistory;
import io.bayesvlm.review.calibration.ReportView;
import io.bayesvlm.review.queue.ApplyCommand;
import io.bayesvlm.review.queue.ApplyReviewRequest;
import io.bayesvlm.review.queue.DeadLetters;
import io.bayesvlm.review.queue.QueueItem;
import io.bayesvlm.review.queue.QueueOrder;
import io.bayesvlm.review.queue.QueueStore;
import io.bayesvlm.review.queue.Replies;
import io.bayesvlm.serde.RecordCodec;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The review service as one readable graph:
 * <pre>
 *   review-requests ──► apply review requests ──┐
 *                                               ├─ review-items, review-index (the queue) ─► labels
 *   review-commands ──► apply reviewer commands ┘
 *   calibration ──────► keep calibration history ── calibration-history
 *   (anything unreadable) ─► dead-letters
 * </pre>
 * Review requests and commands are keyed by event id and have the same partition count, so one task owns an
 * item's request, its commands and its queue entry.
 */
public final class ReviewTopology {
    private ReviewTopology() {}

    public static Topology buildTopology(ReviewConfig c, Replies replies) {
        ReviewConfig.Topics t = c.topics();
        DeadLetters deadLetters = new DeadLetters(t.deadLetters(), RecordCodec.of(DeadLetter.class, c.registry()));
        Topology topology = new Topology();

        topology.addSource("review-requests source", Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(), t.reviews());
        topology.addSource("review-commands source", Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(), t.commands());
        topology.addSource("calibration source", Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(), t.calibration());

        topology.addProcessor("apply review requests", () -> new ApplyReviewRequest(t.reviews(),
                RecordCodec.of(ReviewRequest.class, c.registry()), deadLetters, c.doneRetention()),
                "review-requests source");
        topology.addProcessor("apply reviewer commands", () -> new ApplyCommand(t.labels(),
                RecordCodec.of(LabelEvent.class, c.registry()), deadLetters, replies,
                new QueueOrder(c.maxWait().toMillis(), c.auditEvery())), "review-commands source");
        topology.addProcessor("keep calibration history", () -> new KeepCalibrationHistory(t.calibration(),
                RecordCodec.of(CalibrationReport.class, c.registry()), deadLetters, c.calibrationHistory()),
                "calibration source");

        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QueueStore.ITEMS),
                Serdes.String(), new JsonSerde<>(QueueItem.class)), "apply review requests", "apply reviewer commands");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QueueStore.INDEX),
                Serdes.String(), Serdes.String()), "apply review requests", "apply reviewer commands");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(KeepCalibrationHistory.STORE),
                Serdes.String(), new JsonSerde<>(ReportView.class)), "keep calibration history");

        topology.addSink(ApplyCommand.LABELS_SINK, t.labels(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), "apply reviewer commands");
        topology.addSink(DeadLetters.SINK, t.deadLetters(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), "apply review requests", "apply reviewer commands",
                "keep calibration history");
        return topology;
    }
}
