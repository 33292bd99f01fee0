package io.bayesvlm.review;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.review.calibration.KeepCalibrationHistory;
import io.bayesvlm.review.calibration.ReportView;
import io.bayesvlm.review.queue.ApplyCommand;
import io.bayesvlm.review.queue.ApplyReviewRequest;
import io.bayesvlm.review.queue.CloseLabelledItems;
import io.bayesvlm.review.queue.DeadLetterSink;
import io.bayesvlm.review.queue.KeyLabelsByItem;
import io.bayesvlm.review.queue.QueueItem;
import io.bayesvlm.review.queue.QueueOrder;
import io.bayesvlm.review.queue.QueueStore;
import io.bayesvlm.serde.RecordCodec;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The review service as one readable graph:
 * <pre>
 *   review-requests ──► apply review requests ──┐
 *   review-commands ──► apply reviewer commands ┼─ review-items, review-index (the queue)
 *   labels-by-item ───► close labelled items ───┘        ├─► labels (a reviewer's label)
 *                                                        └─► replies (each command's outcome, same transaction)
 *   labels ───────────► key labels by item ─────► labels-by-item
 *   calibration ──────► keep calibration history ── calibration-history
 *   (anything unreadable) ─► dead-letters
 * </pre>
 * Review requests, commands and labels-by-item are keyed by event id and have the same partition count, so one
 * task owns an item's request, its commands, the labels for it and its queue entry.
 */
public final class ReviewTopology {
    private ReviewTopology() {}

    public static Topology buildTopology(ReviewConfig c) {
        ReviewConfig.Topics t = c.topics();
        DeadLetterSink deadLetters =
                new DeadLetterSink(t.deadLetters(), RecordCodec.of(DeadLetter.class, c.registry()));
        Topology topology = new Topology();

        topology.addSource(
                "review-requests source",
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(),
                t.reviews());
        topology.addSource(
                "review-commands source",
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(),
                t.commands());
        topology.addSource(
                "labels source",
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(),
                t.labels());
        topology.addSource(
                "labels-by-item source",
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(),
                t.labelsByItem());
        topology.addSource(
                "calibration source",
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(),
                t.calibration());

        topology.addProcessor(
                "apply review requests",
                () -> new ApplyReviewRequest(
                        t.reviews(), RecordCodec.of(ReviewRequest.class, c.registry()), deadLetters, c.doneRetention()),
                "review-requests source");
        topology.addProcessor(
                "apply reviewer commands",
                () -> new ApplyCommand(
                        t.labels(),
                        RecordCodec.of(LabelEvent.class, c.registry()),
                        deadLetters,
                        new QueueOrder(c.maxWait().toMillis(), c.auditEvery())),
                "review-commands source");
        topology.addProcessor(
                "key labels by item",
                () -> new KeyLabelsByItem(t.labels(), RecordCodec.of(LabelEvent.class, c.registry()), deadLetters),
                "labels source");
        topology.addProcessor(
                "close labelled items",
                () -> new CloseLabelledItems(t.labels(), RecordCodec.of(LabelEvent.class, c.registry())),
                "labels-by-item source");
        topology.addProcessor(
                "keep calibration history",
                () -> new KeepCalibrationHistory(
                        t.calibration(),
                        RecordCodec.of(CalibrationReport.class, c.registry()),
                        deadLetters,
                        c.calibrationHistory()),
                "calibration source");

        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(QueueStore.ITEMS),
                        Serdes.String(),
                        new JsonSerde<>(QueueItem.class)),
                "apply review requests",
                "apply reviewer commands",
                "close labelled items");
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(QueueStore.INDEX), Serdes.String(), Serdes.String()),
                "apply review requests",
                "apply reviewer commands",
                "close labelled items");
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(KeepCalibrationHistory.STORE),
                        Serdes.String(),
                        new JsonSerde<>(ReportView.class)),
                "keep calibration history");

        topology.addSink(
                ApplyCommand.LABELS_SINK,
                t.labels(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "apply reviewer commands");
        topology.addSink(
                ApplyCommand.REPLIES_SINK,
                t.replies(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "apply reviewer commands");
        topology.addSink(
                KeyLabelsByItem.SINK,
                t.labelsByItem(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "key labels by item");
        topology.addSink(
                DeadLetterSink.SINK,
                t.deadLetters(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "apply review requests",
                "apply reviewer commands",
                "key labels by item",
                "keep calibration history");
        return topology;
    }
}
