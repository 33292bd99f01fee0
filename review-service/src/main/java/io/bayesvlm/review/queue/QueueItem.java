package io.bayesvlm.review.queue;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One review request and where it stands in the queue: PENDING (waiting), CLAIMED (a reviewer holds a lease until
 * {@code leaseUntil}) or DONE (labelled). A pending item a reviewer escalated ({@link #escalated}) waits in the
 * escalated queue instead. The value of the {@code review-items} store, as JSON (fields added later read as null
 * or 0 from older entries).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record QueueItem(
        String eventId,
        long eventTime,
        String reason,
        double priority,
        List<Score> topK,
        List<String> classes,
        Map<String, Double> uncertainty,
        String routingScore,
        String modelName,
        String modelVersion,
        byte[] image,
        String imageRef,
        long enqueuedAt,
        Status status,
        String claimedBy,
        long claimedAt,
        long leaseUntil,
        List<String> skippedBy,
        String label,
        String labelledBy,
        long labelledAt,
        String escalatedBy,
        long escalatedAt,
        String escalationNote) {

    public enum Status {
        PENDING,
        CLAIMED,
        DONE
    }

    /** A class with its BayesVLM probability and the standard deviation of its logit. */
    public record Score(String classId, double probability, double logitStd) {}

    public static final String UNCERTAIN = ReviewReason.UNCERTAIN.name();
    public static final String AUDIT = ReviewReason.AUDIT.name();

    public static QueueItem of(ReviewRequest r, long now) {
        List<Score> top = new ArrayList<>();
        for (ClassScore c : r.getTopK()) {
            top.add(new Score(c.getClassId(), c.getProbability(), c.getLogitStd()));
        }
        // Requests from writers before v2 carry no class list: the reviewer chooses among the top-k.
        List<String> classes = r.getClasses() != null
                ? List.copyOf(r.getClasses())
                : top.stream().map(Score::classId).toList();
        ByteBuffer image = r.getImage();
        byte[] bytes = null;
        if (image != null) {
            bytes = new byte[image.remaining()];
            image.duplicate().get(bytes);
        }
        return new QueueItem(
                r.getEventId(),
                r.getEventTime().toEpochMilli(),
                r.getReason().name(),
                r.getPriority(),
                top,
                classes,
                r.getUncertainty() == null ? Map.of() : Map.copyOf(r.getUncertainty()),
                r.getRoutingScore(),
                r.getModelName(),
                r.getModelVersion(),
                bytes,
                r.getImageRef(),
                now,
                Status.PENDING,
                null,
                0,
                0,
                List.of(),
                null,
                null,
                0,
                null,
                0,
                null);
    }

    public boolean audit() {
        return AUDIT.equals(reason);
    }

    public QueueItem claimed(String reviewer, long now, long leaseMillis) {
        return with(Status.CLAIMED, reviewer, now, now + leaseMillis, skippedBy, null, null, 0);
    }

    /** The same claim held longer: the claim time (the review's start) stays. */
    public QueueItem renewed(long now, long leaseMillis) {
        return with(Status.CLAIMED, claimedBy, claimedAt, now + leaseMillis, skippedBy, null, null, 0);
    }

    /** Back to the queue (lease expired, or skipped by {@code skipper} who will not be offered it again). */
    public QueueItem released(String skipper) {
        List<String> skipped = skippedBy;
        if (skipper != null && !skippedBy.contains(skipper)) {
            skipped = new ArrayList<>(skippedBy);
            skipped.add(skipper);
        }
        return with(Status.PENDING, null, 0, 0, List.copyOf(skipped), null, null, 0);
    }

    /**
     * Labelled by {@code reviewer}. When they held the claim, its lease end stays on the item: until then they may
     * correct the label ({@link #relabelled}).
     */
    public QueueItem labelled(String reviewer, String chosen, long now) {
        long correctableUntil = reviewer.equals(claimedBy) && status == Status.CLAIMED ? leaseUntil : 0;
        return with(Status.DONE, claimedBy, claimedAt, correctableUntil, skippedBy, chosen, reviewer, now);
    }

    /** The labeller's correction: the new label at {@code now}, still correctable until the same time. */
    public QueueItem relabelled(String chosen, long now) {
        return with(Status.DONE, claimedBy, claimedAt, leaseUntil, skippedBy, chosen, labelledBy, now);
    }

    /**
     * Back to the queue as an escalation: it waits in the escalated queue (not the one {@code next} hands out) for
     * someone to take it on purpose, with who sent it there, when and why.
     */
    public QueueItem escalated(String reviewer, String why, long now) {
        return new QueueItem(
                eventId,
                eventTime,
                reason,
                priority,
                topK,
                classes,
                uncertainty,
                routingScore,
                modelName,
                modelVersion,
                image,
                imageRef,
                enqueuedAt,
                Status.PENDING,
                null,
                0,
                0,
                skippedBy,
                null,
                null,
                0,
                reviewer,
                now,
                why);
    }

    /** Whether it waits in (or came from) the escalated queue. */
    public boolean isEscalated() {
        return escalatedBy != null;
    }

    /** This item with its queue fields replaced; what the request said and the escalation stay. */
    private QueueItem with(
            Status status,
            String claimedBy,
            long claimedAt,
            long leaseUntil,
            List<String> skippedBy,
            String label,
            String labelledBy,
            long labelledAt) {
        return new QueueItem(
                eventId,
                eventTime,
                reason,
                priority,
                topK,
                classes,
                uncertainty,
                routingScore,
                modelName,
                modelVersion,
                image,
                imageRef,
                enqueuedAt,
                status,
                claimedBy,
                claimedAt,
                leaseUntil,
                skippedBy == null ? List.of() : skippedBy,
                label,
                labelledBy,
                labelledAt,
                escalatedBy,
                escalatedAt,
                escalationNote);
    }
}
