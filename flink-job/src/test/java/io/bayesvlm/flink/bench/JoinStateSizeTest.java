package io.bayesvlm.flink.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The label join's state stays compact: on the heap, a waiting decision costs at most 1.5 times what it costs in a
 * checkpoint, at K = 10 and K = 1,000 (sizes of object graphs and snapshots: deterministic, not timed).
 */
class JoinStateSizeTest {

    @Test
    void heapPerWaitingDecisionStaysWithinOneAndAHalfTimesItsCheckpointBytes() throws Exception {
        for (int k : new int[] {10, 1000}) {
            JoinStateSize.Figures f = JoinStateSize.measure(k, k >= 1000 ? 500 : 5_000);
            System.out.printf("K=%d: heap %.0f B, checkpoint %.0f B per waiting decision (%.2fx); joined marker %.0f / %.0f B%n",
                    k, f.heapPerDecision(), f.checkpointPerDecision(), f.ratio(), f.heapPerMarker(), f.checkpointPerMarker());
            assertThat(f.checkpointPerDecision()).as("K=%d checkpoint bytes hold the probabilities", k)
                    .isGreaterThan(16.0 * k);
            if (!Boolean.getBoolean("bayesvlm.report-only")) {
                assertThat(f.ratio()).as("K=%d heap / checkpoint", k).isLessThanOrEqualTo(1.5);
            }
        }
    }
}
