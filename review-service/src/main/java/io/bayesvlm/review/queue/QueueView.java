package io.bayesvlm.review.queue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Read-only questions to one partition's queue (interactive queries from the HTTP API). */
public record QueueView(ReadOnlyKeyValueStore<String, QueueItem> items, ReadOnlyKeyValueStore<String, String> index) {

    /**
     * The best candidates of each kind for a reviewer: up to {@code n} most uncertain, {@code n} oldest audits and
     * {@code n} oldest overall, leaving out items {@code skip} rejects (skipped by this reviewer, or lost races).
     */
    public List<Candidate> candidates(int n, Predicate<QueueItem> skip) {
        Map<String, Candidate> out = new LinkedHashMap<>();
        for (String prefix : List.of(QueueKeys.UNCERTAIN, QueueKeys.AUDIT, QueueKeys.AGE)) {
            int taken = 0;
            try (KeyValueIterator<String, String> it = index.range(prefix, QueueKeys.end(prefix))) {
                while (taken < n && it.hasNext()) {
                    KeyValue<String, String> kv = it.next();
                    QueueItem item = items.get(kv.value);
                    if (item == null || item.status() != QueueItem.Status.PENDING || skip.test(item)) {
                        continue;
                    }
                    out.putIfAbsent(item.eventId(), Candidate.of(item));
                    taken++;
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    /** Items {@code reviewer} holds a live claim on (a reload of the page gets the same item back). */
    public List<Candidate> heldBy(String reviewer, long now) {
        List<Candidate> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = index.range(QueueKeys.LEASE, QueueKeys.end(QueueKeys.LEASE))) {
            while (it.hasNext()) {
                QueueItem item = items.get(it.next().value);
                if (item != null && reviewer.equals(item.claimedBy()) && item.leaseUntil() > now) {
                    out.add(Candidate.of(item));
                }
            }
        }
        return out;
    }

    /** Escalated items waiting for someone to take them, oldest first (at most {@code n}). */
    public List<Escalation> escalated(int n) {
        List<Escalation> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it =
                index.range(QueueKeys.ESCALATED, QueueKeys.end(QueueKeys.ESCALATED))) {
            while (out.size() < n && it.hasNext()) {
                QueueItem item = items.get(it.next().value);
                if (item != null && item.status() == QueueItem.Status.PENDING) {
                    out.add(Escalation.of(item));
                }
            }
        }
        return out;
    }

    /**
     * What {@code reviewer} did in the labelled items still kept (the done-retention): labels, audits among them and
     * on how many of those the model's top class was the same, time from claim to label, and escalations waiting.
     */
    public ReviewerFigures figuresOf(String reviewer, long since) {
        ReviewerFigures f = ReviewerFigures.NONE;
        try (KeyValueIterator<String, String> it = index.range(QueueKeys.DONE, QueueKeys.end(QueueKeys.DONE))) {
            while (it.hasNext()) {
                QueueItem item = items.get(it.next().value);
                if (item != null && reviewer.equals(item.labelledBy())) {
                    f = f.plus(ReviewerFigures.of(item, since));
                }
            }
        }
        for (Escalation e : escalated(Integer.MAX_VALUE)) {
            if (reviewer.equals(e.escalatedBy())) {
                f = f.plus(new ReviewerFigures(0, 0, 0, 0, 0, 0, 1));
            }
        }
        return f;
    }

    /** Items by status: pending-uncertain, pending-audit, pending-escalated, claimed, done. */
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String k : List.of("pending-uncertain", "pending-audit", "pending-escalated", "claimed", "done")) {
            String v = index.get(QueueStore.COUNT + k);
            m.put(k, v == null ? 0 : Long.parseLong(v));
        }
        return m;
    }
}
