package io.bayesvlm.review.queue;

/** A pending item as the claim choice sees it (from the index, on whichever instance owns it). */
public record Candidate(String eventId, String reason, double priority, long enqueuedAt) {
    public static Candidate of(QueueItem i) {
        return new Candidate(i.eventId(), i.reason(), i.priority(), i.enqueuedAt());
    }

    public boolean audit() {
        return QueueItem.AUDIT.equals(reason);
    }
}
