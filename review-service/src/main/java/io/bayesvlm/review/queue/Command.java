package io.bayesvlm.review.queue;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A reviewer's action, written by the HTTP API to the commands topic (keyed by event id, so it reaches the task
 * that owns the item) and applied there in order with the review requests: the stream thread is the only writer
 * of the queue, so two claims of one item cannot both succeed. The record's timestamp is the action's time.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Command(
        Type type,
        String requestId,
        String eventId,
        String reviewer,
        String label,
        long leaseMillis,
        long claimNumber,
        String note,
        List<String> except) {
    /**
     * CLAIM_NEXT: the best item of the partition the command was written to (no event id), chosen by the stream
     * thread itself, so reviewers asking at once never race for one item. Items in {@code except} that the reviewer
     * holds are not handed back (the page is still deciding on them: a label waiting out its undo window).
     */
    public enum Type {
        CLAIM,
        CLAIM_NEXT,
        LABEL,
        SKIP,
        /** The holder's lease extended (the page renews it while the reviewer is on it); the claim time stays. */
        RENEW,
        /** The holder sends the item to the escalated queue, with a note ({@code note}): not a label. */
        ESCALATE,
        /**
         * The labeller corrects their own label while the item's lease (from the claim) still runs: a new LabelEvent
         * that supersedes the first, never a silent overwrite.
         */
        RELABEL
    }

    public Command(
            Type type,
            String requestId,
            String eventId,
            String reviewer,
            String label,
            long leaseMillis,
            long claimNumber) {
        this(type, requestId, eventId, reviewer, label, leaseMillis, claimNumber, null, null);
    }

    /** This command as written to the topic: with the id its answer will carry. */
    public Command withRequestId(String id) {
        return new Command(type, id, eventId, reviewer, label, leaseMillis, claimNumber, note, except);
    }

    public static Command of(
            Type type, String requestId, String eventId, String reviewer, String label, long leaseMillis) {
        return new Command(type, requestId, eventId, reviewer, label, leaseMillis, 0);
    }
}
