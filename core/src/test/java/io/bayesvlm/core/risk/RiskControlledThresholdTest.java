package io.bayesvlm.core.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RiskControlledThresholdTest {

    /** P(Bin(n, p) ≤ k) in exact decimal arithmetic: an independent reference for the log-space sum. */
    static double exactCdf(int k, int n, double p) {
        MathContext mc = new MathContext(60);
        BigDecimal bp = new BigDecimal(p);
        BigDecimal bq = BigDecimal.ONE.subtract(bp);
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal choose = BigDecimal.ONE;
        for (int j = 0; j <= k; j++) {
            if (j > 0) {
                choose = choose.multiply(BigDecimal.valueOf(n - j + 1)).divide(BigDecimal.valueOf(j), mc);
            }
            sum = sum.add(choose.multiply(bp.pow(j, mc), mc).multiply(bq.pow(n - j, mc), mc), mc);
        }
        return sum.doubleValue();
    }

    @Test
    void binomialTailsAndClopperPearsonBoundsAreExact() {
        for (int[] kn : new int[][] {{0, 10}, {3, 40}, {7, 200}, {25, 1000}, {0, 3000}}) {
            for (double p : new double[] {0.01, 0.02, 0.05, 0.3}) {
                assertThat(RiskControlledThreshold.binomialCdf(kn[0], kn[1], p))
                        .as("k=%d n=%d p=%s", kn[0], kn[1], p)
                        .isCloseTo(exactCdf(kn[0], kn[1], p), offset(1e-12 + 1e-9 * exactCdf(kn[0], kn[1], p)));
            }
        }
        // no errors in n: the bound solves (1 - p)^n = δ
        assertThat(RiskControlledThreshold.clopperPearsonUpper(0, 150, 0.05))
                .isCloseTo(1 - Math.pow(0.05, 1.0 / 150), offset(1e-12));
        double ub = RiskControlledThreshold.clopperPearsonUpper(4, 300, 0.05);
        assertThat(exactCdf(4, 300, ub)).isCloseTo(0.05, offset(1e-9));
    }

    // ---- the guarantee, simulated ----

    static final double BETA = 0.25; // confidence q = 1/3 + 2/3 · U^BETA: most items confident
    static final double REVIEW_BELOW = 0.7;
    static final double AUDIT = 0.05;

    static double confidence(double u) {
        return 1.0 / 3 + (2.0 / 3) * Math.pow(u, BETA);
    }

    /** The overconfident truth: P(correct | q) = q². */
    static double accuracy(double q) {
        return q * q;
    }

    /** True R(λ) = E[1 − q² | q ≥ λ], by Simpson's rule over U (q increases with U). */
    static double trueRisk(double lambda) {
        if (lambda > 1) {
            return 0;
        }
        double u0 = Math.max(0, Math.pow((lambda - 1.0 / 3) * 1.5, 1 / BETA));
        int m = 20_000;
        double h = (1 - u0) / m;
        double s = 0;
        for (int i = 0; i <= m; i++) {
            double u = u0 + i * h;
            double f = 1 - accuracy(confidence(u));
            s += (i == 0 || i == m ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        return s * h / 3 / (1 - u0);
    }

    static double[] grid() {
        double[] g = new double[40];
        for (int i = 0; i < g.length; i++) {
            g[i] = 0.60 + 0.01 * i;
        }
        return g;
    }

    /** One stream as the job labels it: reviewed below the operating threshold, a 5% audit above. */
    static List<RiskControlledThreshold.Item> stream(SplittableRandom rng, int n, long keyBase) {
        List<RiskControlledThreshold.Item> labelled = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double q = confidence(rng.nextDouble());
            boolean wrong = rng.nextDouble() >= accuracy(q);
            double pi = q < REVIEW_BELOW ? 1 : AUDIT;
            if (rng.nextDouble() < pi) {
                labelled.add(new RiskControlledThreshold.Item(q, wrong, pi, keyBase + i));
            }
        }
        return labelled;
    }

    @Test
    void inFiveHundredReplicationsTheRiskExceedsAlphaAtMostDeltaOfTheTime() {
        double alpha = 0.05;
        double delta = 0.05;
        int replications = 500;
        SplittableRandom rng = new SplittableRandom(12);
        int violations = 0;
        int vouched = 0;
        double autoShare = 0;
        double riskSum = 0;
        for (int r = 0; r < replications; r++) {
            RiskControlledThreshold.Result res =
                    RiskControlledThreshold.choose(stream(rng, 60_000, r * 1_000_000L), grid(), alpha, delta, AUDIT, r);
            double risk = trueRisk(res.threshold());
            if (res.vouches()) {
                vouched++;
                riskSum += risk;
                autoShare += 1 - Math.pow(Math.max(0, (res.threshold() - 1.0 / 3) * 1.5), 1 / BETA);
            }
            if (risk > alpha) {
                violations++;
            }
        }
        // Binomial(500, δ) at most: mean 25, sd 4.9; the bound allows 3 sd above the mean.
        double allowed = replications * delta + 3 * Math.sqrt(replications * delta * (1 - delta));
        System.out.printf(
                "risk control: alpha %.2f delta %.2f: true risk above alpha in %d of %d (allowed %.1f); vouched in"
                        + " %d; mean true risk %.4f; mean share decided automatically %.3f%n",
                alpha,
                delta,
                violations,
                replications,
                allowed,
                vouched,
                riskSum / Math.max(1, vouched),
                autoShare / Math.max(1, vouched));
        assertThat(violations).isLessThanOrEqualTo((int) Math.floor(allowed));
        // and it is useful: with 60,000 items per window (about 2,700 audited above 0.95) it does vouch for a threshold
        // almost always
        assertThat(vouched).isGreaterThan(replications * 9 / 10);
    }

    @Test
    void withTooFewLabelsNothingIsVouchedForAndEverythingIsReviewed() {
        RiskControlledThreshold.Result res =
                RiskControlledThreshold.choose(stream(new SplittableRandom(3), 300, 0), grid(), 0.02, 0.05, AUDIT, 1);
        assertThat(res.vouches()).isFalse();
        assertThat(res.threshold()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void thinningKeepsEachItemWithTheRatioOfPropensities() {
        List<RiskControlledThreshold.Item> items = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            items.add(new RiskControlledThreshold.Item(0.99, false, i % 2 == 0 ? 1 : 0.5, i));
        }
        RiskControlledThreshold.Result res =
                RiskControlledThreshold.choose(items, new double[] {0.9}, 0.1, 0.05, 0.05, 9);
        // expected kept: 20,000·0.05 + 20,000·0.1 = 3,000; binomial sd ≈ 52, 4 sd allowed
        assertThat(res.thinnedLabels()).isBetween(3000 - 210, 3000 + 210);
        assertThat(res.labelledItems()).isEqualTo(40_000);
    }
}
