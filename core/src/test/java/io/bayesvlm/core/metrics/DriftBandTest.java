package io.bayesvlm.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DriftBandTest {

    private static DriftBand.Moments of(double... x) {
        DriftBand.Moments m = DriftBand.Moments.EMPTY;
        for (double v : x) {
            m = m.add(v);
        }
        return m;
    }

    @Test
    void momentsAndZAgainstAHandComputation() {
        DriftBand.Moments w = of(1, 2, 3, 4); // mean 2.5, s² = 5/3
        DriftBand.Moments r = of(0, 0, 1, 1, 3); // mean 1, s² = 1.5
        assertThat(w.mean()).isEqualTo(2.5);
        assertThat(w.variance()).isCloseTo(5.0 / 3, offset(1e-12));
        assertThat(r.variance()).isCloseTo(1.5, offset(1e-12));
        assertThat(DriftBand.z(w, r)).isCloseTo(1.5 / Math.sqrt(5.0 / 3 / 4 + 1.5 / 5), offset(1e-12));
        assertThat(w.plus(r)).isEqualTo(of(1, 2, 3, 4, 0, 0, 1, 1, 3));
        assertThat(DriftBand.z(of(1, 1), of(1, 1, 1))).isZero();
        assertThat(DriftBand.z(of(2, 2), of(1, 1, 1))).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(DriftBand.z(of(2), of(1, 1, 1))).isNaN();
    }

    /** Without drift |z| > 5 essentially never happens; a shift of half an item sd in windows of 400 items always does. */
    @Test
    void falseWarningsAreRareAndARealShiftIsSeen() {
        Random rng = new Random(3);
        DriftBand.Moments reference = DriftBand.Moments.EMPTY;
        for (int i = 0; i < 2000; i++) {
            reference = reference.add(rng.nextGaussian());
        }
        int falseAlarms = 0;
        int detected = 0;
        for (int w = 0; w < 1000; w++) {
            DriftBand.Moments same = DriftBand.Moments.EMPTY;
            DriftBand.Moments shifted = DriftBand.Moments.EMPTY;
            for (int i = 0; i < 400; i++) {
                same = same.add(rng.nextGaussian());
                shifted = shifted.add(rng.nextGaussian() + 0.5);
            }
            falseAlarms += Math.abs(DriftBand.z(same, reference)) > 5 ? 1 : 0;
            detected += Math.abs(DriftBand.z(shifted, reference)) > 5 ? 1 : 0;
        }
        // P(|N(0,1)| > 5) = 5.7e-7: over 1,000 windows, expected 0.0006 false alarms
        assertThat(falseAlarms).isZero();
        // shift 0.5 sd: z ≈ 0.5 / sqrt(1/400 + 1/2000) ≈ 9.1, far beyond 5
        assertThat(detected).isEqualTo(1000);
    }

    /** A window of n items around mean m (unit item sd). */
    private static DriftBand.Moments window(Random rng, int n, double m) {
        DriftBand.Moments w = DriftBand.Moments.EMPTY;
        for (int i = 0; i < n; i++) {
            w = w.add(m + rng.nextGaussian());
        }
        return w;
    }

    /**
     * Windows whose means also vary from window to window (τ = 0.05 item sd, 6,000 items a window, r = 10
     * reference windows): the plain two-sample z has variance about 1 + nτ²(1 + 1/r) ≈ 17.5, so |z| > 5 in about
     * 23% of clean windows; the random-effects z stays near nominal (t with 9 degrees of freedom: about 0.07%).
     * Over 400 seeded trials the plain rate is at least 15% (its standard error is about 2%) and the random-effects
     * rate at most 1% (expected 0.3 of 400; 5 or more has probability below 1e-4). A real shift of 0.5 item sd is
     * still seen in at least 390 of 400 windows.
     */
    @Test
    void betweenWindowVariationDoesNotRaiseFalseWarnings() {
        Random rng = new Random(11);
        int trials = 400;
        int n = 6000;
        int r = 10;
        double tau = 0.05;
        int plain = 0;
        int randomEffects = 0;
        int detected = 0;
        for (int t = 0; t < trials; t++) {
            java.util.List<DriftBand.Moments> reference = new java.util.ArrayList<>();
            DriftBand.Moments pooled = DriftBand.Moments.EMPTY;
            for (int i = 0; i < r; i++) {
                DriftBand.Moments w = window(rng, n, tau * rng.nextGaussian());
                reference.add(w);
                pooled = pooled.plus(w);
            }
            DriftBand.Moments clean = window(rng, n, tau * rng.nextGaussian());
            plain += Math.abs(DriftBand.z(clean, pooled)) > 5 ? 1 : 0;
            randomEffects += Math.abs(DriftBand.z(clean, reference)) > 5 ? 1 : 0;
            DriftBand.Moments shifted = window(rng, n, tau * rng.nextGaussian() + 0.5);
            detected += Math.abs(DriftBand.z(shifted, reference)) > 5 ? 1 : 0;
        }
        assertThat((double) plain / trials).isGreaterThanOrEqualTo(0.15);
        assertThat(randomEffects).isLessThanOrEqualTo(4);
        assertThat(detected).isGreaterThanOrEqualTo(390); // misses only where τ̂² came out several times τ²: about 0.5%
    }

    @Test
    void withoutBetweenWindowVariationTheRandomEffectsZIsThePlainOne() {
        // identical reference windows: their means do not vary, τ̂² = 0
        DriftBand.Moments a = of(0, 1, 2, 3);
        java.util.List<DriftBand.Moments> reference = java.util.List.of(a, a, a);
        DriftBand.Moments w = of(2, 3, 4, 5);
        assertThat(DriftBand.z(w, reference)).isCloseTo(DriftBand.z(w, a.plus(a).plus(a)), offset(1e-12));
        assertThat(DriftBand.z(w, java.util.List.of(a))).isNaN();
    }
}
