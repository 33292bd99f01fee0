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
import io.bayesvlm.review.queue.KeyByItem;
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
 *   review-requests ──► key requests by item ──► requests-by-item
 *   requests-by-item ─► apply review requests ──┐
 *   review-commands ──► apply reviewer commands ┼─ review-items, review-index (the queue)
 *   labels-by-item ───► close labelled items ───┘        ├─► labels (a reviewer's label)
 *                                                        └─► replies (each command's outcome, same transaction)
 *   labels ───────────► key labels by item ─────► labels-by-item
 *   calibration ──────► keep calibration history ── calibration-history
 *   (anything unreadable) ─► dead-letters
 * </pre>
 * Requests-by-item, commands and labels-by-item are the service's own topics, keyed by event id with Kafka's Java
 * partitioner and the review requests' partition count, so one task owns an item's request, its commands, the
 * labels for it and its queue entry, whatever partitioner the job or a labelling tool used.
 */
public final class ReviewTopology {
    static final String REQUESTS_BY_ITEM_SINK = "requests-by-item sink";
    static final String LABELS_BY_ITEM_SINK = "labels-by-item sink";

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
                "requests-by-item source",
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(),
                t.requestsByItem());
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
                "key review requests by item",
                () -> new KeyByItem<>(
                        t.reviews(),
                        RecordCodec.of(ReviewRequest.class, c.registry()),
                        "ReviewRequest",
                        ReviewRequest::getEventId,
                        REQUESTS_BY_ITEM_SINK,
                        deadLetters),
                "review-requests source");
        topology.addProcessor(
                "apply review requests",
                () -> new ApplyReviewRequest(
                        t.reviews(), RecordCodec.of(ReviewRequest.class, c.registry()), deadLetters, c.doneRetention()),
                "requests-by-item source");
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
                () -> new KeyByItem<>(
                        t.labels(),
                        RecordCodec.of(LabelEvent.class, c.registry()),
                        "LabelEvent",
                        LabelEvent::getEventId,
                        LABELS_BY_ITEM_SINK,
                        deadLetters),
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
                REQUESTS_BY_ITEM_SINK,
                t.requestsByItem(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "key review requests by item");
        topology.addSink(
                LABELS_BY_ITEM_SINK,
                t.labelsByItem(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "key labels by item");
        topology.addSink(
                DeadLetterSink.SINK,
                t.deadLetters(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "key review requests by item",
                "apply review requests",
                "apply reviewer commands",
                "key labels by item",
                "keep calibration history");
        return topology;
    }
}
