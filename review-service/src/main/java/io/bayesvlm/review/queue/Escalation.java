package io.bayesvlm.review.queue;

/** An escalated item as the escalated queue lists it: which, who sent it there, when, and the note they left. */
public record Escalation(String eventId, String reason, String escalatedBy, long escalatedAt, String note) {
    public static Escalation of(QueueItem i) {
        return new Escalation(i.eventId(), i.reason(), i.escalatedBy(), i.escalatedAt(), i.escalationNote());
    }
}
