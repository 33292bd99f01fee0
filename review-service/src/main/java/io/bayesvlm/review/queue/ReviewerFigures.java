package io.bayesvlm.review.queue;

/**
 * One reviewer's figures over the labelled items the queue still keeps: labels in all and since a time (the last
 * hour, on the page), audits among them and how many of those the model's top class matched (the reviewer sees it
 * only after labelling: audits are blind), the summed seconds from claim to label over the labels that had a claim,
 * and the escalations they left waiting. Sums, so that every instance's share adds up.
 */
public record ReviewerFigures(
        long labels,
        long labelsSince,
        long audits,
        long auditsModelAgreed,
        long timedLabels,
        long timedMillis,
        long escalationsWaiting) {
    public static final ReviewerFigures NONE = new ReviewerFigures(0, 0, 0, 0, 0, 0, 0);

    static ReviewerFigures of(QueueItem i, long since) {
        boolean timed = i.claimedBy() != null && i.claimedBy().equals(i.labelledBy());
        boolean agreed = !i.topK().isEmpty() && i.topK().get(0).classId().equals(i.label());
        return new ReviewerFigures(
                1,
                i.labelledAt() >= since ? 1 : 0,
                i.audit() ? 1 : 0,
                i.audit() && agreed ? 1 : 0,
                timed ? 1 : 0,
                timed ? Math.max(0, i.labelledAt() - i.claimedAt()) : 0,
                0);
    }

    public ReviewerFigures plus(ReviewerFigures o) {
        return new ReviewerFigures(
                labels + o.labels,
                labelsSince + o.labelsSince,
                audits + o.audits,
                auditsModelAgreed + o.auditsModelAgreed,
                timedLabels + o.timedLabels,
                timedMillis + o.timedMillis,
                escalationsWaiting + o.escalationsWaiting);
    }
}
