package io.bayesvlm.review;

import io.bayesvlm.review.calibration.KeepCalibrationHistory;
import io.bayesvlm.review.calibration.ReportView;
import io.bayesvlm.review.queue.QueueItem;
import io.bayesvlm.review.queue.QueueStore;
import io.bayesvlm.review.queue.QueueView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries over this instance's stores, partition by partition, and where the owner of an item or the
 * other instances are. Reads only: every change goes through the commands topic.
 */
public final class ReviewStores {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final ReviewConfig.Topics topics;

    public ReviewStores(KafkaStreams streams, HostInfo self, ReviewConfig.Topics topics) {
        this.streams = streams;
        this.self = self;
        this.topics = topics;
    }

    /** Kafka Streams' state: RUNNING when the queue can be queried. */
    public String state() {
        return streams.state().name();
    }

    public HostInfo self() {
        return self;
    }

    /** The instance whose active task owns the item, when the group is stable. */
    public Optional<HostInfo> ownerOf(String eventId) {
        KeyQueryMetadata m = streams.queryMetadataForKey(
                QueueStore.ITEMS, eventId, Serdes.String().serializer());
        if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Optional.empty();
        }
        return Optional.of(m.activeHost());
    }

    public int partitionOf(String eventId) {
        return streams.queryMetadataForKey(
                        QueueStore.ITEMS, eventId, Serdes.String().serializer())
                .partition();
    }

    /** The other instances that hold a store. */
    public List<HostInfo> others(String store) {
        List<HostInfo> out = new ArrayList<>();
        for (StreamsMetadata m : streams.streamsMetadataForStore(store)) {
            if (!m.hostInfo().equals(self)) {
                out.add(m.hostInfo());
            }
        }
        return out;
    }

    /** This instance's queue, one view per partition it owns. */
    public List<QueueView> localQueues() {
        List<QueueView> out = new ArrayList<>();
        for (int p : localPartitions(QueueStore.ITEMS, topics.requestsByItem())) {
            out.add(queue(p));
        }
        return out;
    }

    /** Whether this instance's active task owns a partition of the queue (a peer's claim-next names one). */
    public boolean ownsPartition(int partition) {
        return localPartitions(QueueStore.ITEMS, topics.requestsByItem()).contains(partition);
    }

    public QueueView queue(int partition) {
        ReadOnlyKeyValueStore<String, QueueItem> items = streams.store(StoreQueryParameters.fromNameAndType(
                        QueueStore.ITEMS, QueryableStoreTypes.<String, QueueItem>keyValueStore())
                .withPartition(partition));
        ReadOnlyKeyValueStore<String, String> index = streams.store(StoreQueryParameters.fromNameAndType(
                        QueueStore.INDEX, QueryableStoreTypes.<String, String>keyValueStore())
                .withPartition(partition));
        return new QueueView(items, index);
    }

    /** The calibration history this instance holds (all its partitions). */
    public ReadOnlyKeyValueStore<String, ReportView> localCalibration() {
        return streams.store(StoreQueryParameters.fromNameAndType(
                KeepCalibrationHistory.STORE, QueryableStoreTypes.keyValueStore()));
    }

    public boolean holdsCalibration() {
        return !localPartitions(KeepCalibrationHistory.STORE, topics.calibration())
                .isEmpty();
    }

    /** The partitions of {@code topic} this instance's active tasks own (a host's metadata lists all its topics). */
    private List<Integer> localPartitions(String store, String topic) {
        List<Integer> out = new ArrayList<>();
        for (StreamsMetadata m : streams.streamsMetadataForStore(store)) {
            if (m.hostInfo().equals(self)) {
                m.topicPartitions().forEach(tp -> {
                    if (tp.topic().equals(topic) && !out.contains(tp.partition())) {
                        out.add(tp.partition());
                    }
                });
            }
        }
        return out;
    }
}
