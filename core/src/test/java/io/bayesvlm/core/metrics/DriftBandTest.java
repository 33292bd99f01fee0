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
}
