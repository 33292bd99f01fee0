package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.risk.AuditDraw;
import io.bayesvlm.flink.JobConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingPolicyTest {

    static JobConfig.RoutingOptions cfg(
            UncertaintyScore score, boolean targetRate, double threshold, double rate, double audit) {
        return new JobConfig.RoutingOptions(score, targetRate, threshold, rate, 1000, audit);
    }

    @Test
    void fixedThresholdRespectsTheScoresDirection() {
        RoutingPolicy maxProb = new RoutingPolicy(cfg(UncertaintyScore.MAX_PROB, false, 0.8, 0, 0));
        assertThat(maxProb.route("a", 0.79).routing()).isEqualTo(Routing.REVIEW);
        assertThat(maxProb.route("b", 0.81).routing()).isEqualTo(Routing.AUTO);
        assertThat(maxProb.route("b", 0.81).threshold()).isEqualTo(0.8);

        RoutingPolicy entropy = new RoutingPolicy(cfg(UncertaintyScore.ENTROPY, false, 0.5, 0, 0));
        assertThat(entropy.route("a", 0.6).routing()).isEqualTo(Routing.REVIEW);
        assertThat(entropy.route("b", 0.4).routing()).isEqualTo(Routing.AUTO);
    }

    @Test
    void riskModeReviewsEverythingUntilAThresholdIsVouchedFor() {
        RoutingPolicy p = new RoutingPolicy(new JobConfig.RoutingOptions(
                UncertaintyScore.ENTROPY,
                JobConfig.RoutingOptions.Mode.RISK,
                0.5,
                0.1,
                1000,
                0,
                0.02,
                0.05,
                AuditDraw.random()));
        assertThat(p.route("a", 0.0).routing()).isEqualTo(Routing.REVIEW); // even a certain item
        p.vouch(0.3); // on the score's own scale: decide automatically at entropy <= 0.3
        assertThat(p.route("b", 0.29).routing()).isEqualTo(Routing.AUTO);
        assertThat(p.route("c", 0.31).routing()).isEqualTo(Routing.REVIEW);
        p.vouch(Double.NaN);
        assertThat(p.route("d", 0.0).routing()).isEqualTo(Routing.REVIEW);
    }

    @Test
    void aNonFiniteScoreIsNeverDecidedAutomatically() {
        for (UncertaintyScore score : UncertaintyScore.values()) {
            for (boolean targetRate : new boolean[] {false, true}) {
                RoutingPolicy p = new RoutingPolicy(cfg(score, targetRate, 0.5, 0.1, 0));
                for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    assertThat(p.route("x", v).routing()).as("%s %s", score, v).isEqualTo(Routing.REVIEW);
                }
            }
        }
    }

    @Test
    void targetRateReviewsAboutThatFractionWhateverTheScale() {
        for (double scale : new double[] {0.01, 1, 100}) {
            RoutingPolicy p = new RoutingPolicy(cfg(UncertaintyScore.ENTROPY, true, 1e9, 0.1, 0));
            Random rng = new Random(3);
            int reviewed = 0;
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                if (p.route("e" + i, scale * rng.nextDouble()).routing() == Routing.REVIEW) {
                    reviewed++;
                }
            }
            assertThat((double) reviewed / n).as("scale %s", scale).isCloseTo(0.1, within(0.01));
        }
    }

    @Test
    void targetRateFollowsADriftingScore() {
        RoutingPolicy p = new RoutingPolicy(cfg(UncertaintyScore.MUTUAL_INFO, true, 1e9, 0.2, 0));
        Random rng = new Random(5);
        for (int i = 0; i < 5000; i++) {
            p.route("warm" + i, rng.nextDouble());
        }
        int early = 0;
        int late = 0;
        for (int i = 0; i < 5000; i++) { // every score now twice as large
            boolean review = p.route("drift" + i, 2 * rng.nextDouble()).routing() == Routing.REVIEW;
            if (review && i < 500) {
                early++;
            } else if (review && i >= 2000) {
                late++;
            }
        }
        // Right after the shift more items look uncertain; once the window (1000) has refilled the rate is back.
        assertThat(early / 500.0).isGreaterThan(0.3);
        assertThat(late / 3000.0).isCloseTo(0.2, within(0.02));
    }

    @Test
    void auditsAreDeterministicPerEventIdAndOnlyOfConfidentItems() {
        JobConfig.RoutingOptions routing = cfg(UncertaintyScore.MAX_PROB, false, 0.5, 0, 0.1);
        RoutingPolicy a = new RoutingPolicy(routing); // two instances with one key: a replay after a restart
        RoutingPolicy b = new RoutingPolicy(routing);
        int audits = 0;
        for (int i = 0; i < 10_000; i++) {
            Routing ra = a.route("event-" + i, 0.99).routing();
            assertThat(b.route("event-" + i, 0.99).routing()).isEqualTo(ra);
            if (ra == Routing.AUDIT) {
                audits++;
            }
        }
        assertThat(audits / 10_000.0).isCloseTo(0.1, within(0.01));
        // Short, similar ids too (a plain FNV hash clusters these).
        long shortAudits = java.util.stream.IntStream.range(0, 2000)
                .filter(i -> routing.audit().draw("ev" + i) < 0.3)
                .count();
        assertThat(shortAudits / 2000.0).isCloseTo(0.3, within(0.04));
        // An uncertain item is reviewed as uncertain, never as an audit.
        String audited = null;
        for (int i = 0; audited == null; i++) {
            if (routing.audit().draw("x" + i) < 0.1) {
                audited = "x" + i;
            }
        }
        assertThat(a.route(audited, 0.3).routing()).isEqualTo(Routing.REVIEW);
        assertThat(routing.audit().draw("same"))
                .isEqualTo(routing.audit().draw("same"))
                .isBetween(0.0, 1.0);
    }

    @Test
    void historySurvivesSnapshotAndRestore() {
        RoutingPolicy p = new RoutingPolicy(cfg(UncertaintyScore.ENTROPY, true, 1e9, 0.5, 0));
        for (int i = 0; i < 1500; i++) {
            p.route("e" + i, i % 100);
        }
        RoutingPolicy q = new RoutingPolicy(cfg(UncertaintyScore.ENTROPY, true, 1e9, 0.5, 0));
        q.restore(p.snapshot());
        assertThat(q.snapshot()).isEqualTo(p.snapshot()).hasSize(1000);
        assertThat(q.currentUncertaintyThreshold()).isEqualTo(p.currentUncertaintyThreshold());
    }
}
