package io.bayesvlm.review.queue;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which pending item a reviewer gets next. Uncertain items go most uncertain first (the request's priority), but
 * two rules keep the rest moving:
 * <ul>
 *   <li><b>age:</b> an item that has waited {@code maxWaitMillis} or longer goes first, oldest first, so nothing
 *   waits forever behind a stream of more uncertain arrivals;</li>
 *   <li><b>audits interleaved:</b> on every {@code auditEvery}-th claim an audit goes first when one waits. Audits
 *   have priority 0 and would otherwise starve, yet they are the unbiased labels the calibration needs.</li>
 * </ul>
 * When no uncertain item waits, audits go oldest first.
 */
public record QueueOrder(long maxWaitMillis, int auditEvery) {

    static final Comparator<Candidate> MOST_UNCERTAIN = Comparator.comparingDouble((Candidate c) -> -c.priority())
            .thenComparingLong(Candidate::enqueuedAt)
            .thenComparing(Candidate::eventId);
    static final Comparator<Candidate> OLDEST =
            Comparator.comparingLong(Candidate::enqueuedAt).thenComparing(Candidate::eventId);

    /**
     * @param candidates pending items the reviewer may take (already without the ones they skipped); the best of
     *                   each kind is enough: the most uncertain, the oldest audits and the oldest overall
     * @param claimNumber 1 for the first claim served, 2 for the next, ...
     */
    public Optional<Candidate> pick(List<Candidate> candidates, long now, long claimNumber) {
        Optional<Candidate> oldest = candidates.stream().min(OLDEST);
        if (oldest.isPresent() && now - oldest.get().enqueuedAt() >= maxWaitMillis) {
            return oldest;
        }
        Optional<Candidate> audit = candidates.stream().filter(Candidate::audit).min(OLDEST);
        if (audit.isPresent() && claimNumber % auditEvery == 0) {
            return audit;
        }
        Optional<Candidate> uncertain =
                candidates.stream().filter(c -> !c.audit()).min(MOST_UNCERTAIN);
        return uncertain.isPresent() ? uncertain : audit;
    }
}
