package io.bayesvlm.review.queue;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The review queue of one partition: items by id ({@code review-items}) and the ordered index over them
 * ({@code review-index}, {@link QueueKeys}), kept in step on every change. Both stores are changelogged, so a
 * restarted or moved task rebuilds the queue exactly. Used by the stream thread (writes) and by interactive
 * queries (reads, through {@link #readOnly}).
 */
public final class QueueStore {
    public static final String ITEMS = "review-items";
    public static final String INDEX = "review-index";
    /** Counts by status in the index store, so the API can say what is left without a scan. */
    static final String COUNT = "c|";

    private final KeyValueStore<String, QueueItem> items;
    private final KeyValueStore<String, String> index;

    public QueueStore(KeyValueStore<String, QueueItem> items, KeyValueStore<String, String> index) {
        this.items = items;
        this.index = index;
    }

    /** The queue of the task a processor runs in (its two stores must be connected to the processor). */
    public static QueueStore of(org.apache.kafka.streams.processor.api.ProcessorContext<?, ?> context) {
        return new QueueStore(context.getStateStore(ITEMS), context.getStateStore(INDEX));
    }

    /** Read-only questions to this partition's queue. */
    public QueueView view() {
        return new QueueView(items, index);
    }

    public QueueItem get(String id) {
        return items.get(id);
    }

    /** Replaces {@code before} (null for a new item) by {@code after}, moving its index entries and counts. */
    public void put(QueueItem before, QueueItem after) {
        if (before != null) {
            for (String k : indexKeys(before)) {
                index.delete(k);
            }
            count(countKey(before), -1);
        }
        for (String k : indexKeys(after)) {
            index.put(k, after.eventId());
        }
        count(countKey(after), +1);
        items.put(after.eventId(), after);
    }

    public void delete(QueueItem item) {
        for (String k : indexKeys(item)) {
            index.delete(k);
        }
        count(countKey(item), -1);
        items.delete(item.eventId());
    }

    /** Labels that came before their item's review request: {@code e|<id>} → time, label and labeller. */
    static final String EARLY = "e|";

    /** A label the queue has no item for yet, kept until the request comes (or the retention ends). */
    public void keepEarlyLabel(String id, String label, String by, long time) {
        if (index.get(EARLY + id) == null) {
            index.put(EARLY + id, time + "\t" + label + "\t" + by);
        }
    }

    /** The early label for an item, removed from the store: [time, label, labeller], or null. */
    public String[] takeEarlyLabel(String id) {
        String v = index.get(EARLY + id);
        if (v == null) {
            return null;
        }
        index.delete(EARLY + id);
        return v.split("\t", 3);
    }

    /** Forgets early labels older than {@code time} whose request never came. */
    public void expireEarlyLabels(long time) {
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, String> it =
                index.prefixScan(EARLY, new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                if (Long.parseLong(kv.value.substring(0, kv.value.indexOf('\t'))) < time) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(index::delete);
    }

    /** Ids under an age, lease or done prefix whose time is before {@code time}. */
    public List<String> idsBefore(String prefix, long time) {
        List<String> ids = new ArrayList<>();
        String to = prefix + String.format("%016x", time);
        try (KeyValueIterator<String, String> it = index.range(prefix, to)) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                if (kv.key.compareTo(to) < 0) {
                    ids.add(kv.value);
                }
            }
        }
        return ids;
    }

    private static List<String> indexKeys(QueueItem i) {
        return switch (i.status()) {
            case PENDING ->
                i.isEscalated()
                        ? List.of(QueueKeys.escalated(i))
                        : List.of(i.audit() ? QueueKeys.audit(i) : QueueKeys.uncertain(i), QueueKeys.age(i));
            case CLAIMED -> List.of(QueueKeys.lease(i));
            case DONE -> List.of(QueueKeys.done(i));
        };
    }

    private static String countKey(QueueItem i) {
        return COUNT
                + (i.status() == QueueItem.Status.PENDING
                        ? (i.isEscalated() ? "pending-escalated" : i.audit() ? "pending-audit" : "pending-uncertain")
                        : i.status().name().toLowerCase(java.util.Locale.ROOT));
    }

    private void count(String key, long delta) {
        String v = index.get(key);
        index.put(key, Long.toString((v == null ? 0 : Long.parseLong(v)) + delta));
    }
}
