package io.bayesvlm.review.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class QueueOrderTest {
    private final QueueOrder order = new QueueOrder(3_600_000, 4);
    private final long now = 10_000_000;

    /** Enqueued a few ms before now, unless a time is given as now - age. */
    private Candidate u(String id, double priority, long enqueued) {
        return new Candidate(id, QueueItem.UNCERTAIN, priority, enqueued < 1000 ? now - 1000 + enqueued : enqueued);
    }

    private Candidate a(String id, long enqueued) {
        return new Candidate(id, QueueItem.AUDIT, 0, enqueued < 1000 ? now - 1000 + enqueued : enqueued);
    }

    @Test
    void mostUncertainFirstTiesByAgeThenId() {
        List<Candidate> c = List.of(u("b", 0.5, 5), u("a", 0.9, 7), u("c", 0.9, 6), a("x", 1));
        assertThat(order.pick(c, now, 1)).map(Candidate::eventId).hasValue("c");
    }

    @Test
    void everyNthClaimTakesTheOldestAudit() {
        List<Candidate> c = List.of(u("u", 0.9, 5), a("new", 8), a("old", 2));
        assertThat(order.pick(c, now, 3)).map(Candidate::eventId).hasValue("u");
        assertThat(order.pick(c, now, 4)).map(Candidate::eventId).hasValue("old");
        assertThat(order.pick(c, now, 8)).map(Candidate::eventId).hasValue("old");
    }

    @Test
    void auditsWhenNothingUncertainWaitsAndNothingWhenEmpty() {
        assertThat(order.pick(List.of(a("new", 8), a("old", 2)), now, 1))
                .map(Candidate::eventId)
                .hasValue("old");
        assertThat(order.pick(List.of(), now, 1)).isEmpty();
    }

    @Test
    void anItemAtMaxWaitGoesFirstOldestFirst() {
        List<Candidate> c =
                List.of(u("hot", 0.99, now - 10), a("stale-audit", now - 3_700_000), u("stale", 0.1, now - 3_600_000));
        assertThat(order.pick(c, now, 1)).map(Candidate::eventId).hasValue("stale-audit");
        assertThat(order.pick(c.subList(0, 1), now, 1)).map(Candidate::eventId).hasValue("hot");
        assertThat(order.pick(List.of(c.get(0), c.get(2)), now, 1))
                .map(Candidate::eventId)
                .hasValue("stale");
    }
}
