package io.bayesvlm.core.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The certification's rules one at a time: missing labels count as errors, labels are used in decision order,
 * the grid comes from label-free confidences, a withdrawal starts over from later items, the change detector
 * withdraws, and the state survives a checkpoint.
 */
class CertifiedAutomationTest {

    static final double ALPHA = 0.05;
    static final double DELTA = 0.05;
    static final long WAIT = 100;

    static CertifiedAutomation cert() {
        return new CertifiedAutomation(ALPHA, DELTA, 1000, WAIT);
    }

    /** Items 0 … n−1 decided at time i with confidence from the grid's range, each labelled right at once. */
    static void feed(CertifiedAutomation c, int from, int n, boolean wrong) {
        for (int i = from; i < from + n; i++) {
            c.decided("e" + i, i, 0.5 + 0.5 * ((i * 37) % 100) / 100.0, i);
            c.labelled("e" + i, wrong, i);
            c.advance(i);
        }
    }

    @Test
    void theGridComesFirstThenAllRightLabelsCertify() {
        CertifiedAutomation c = cert();
        feed(c, 0, CertifiedAutomation.GRID_ITEMS - 1, false);
        assertThat(c.status().state()).isEqualTo(CertifiedAutomation.State.GRID);
        assertThat(c.status().tested()).isZero(); // the grid items' labels are not used
        feed(c, CertifiedAutomation.GRID_ITEMS - 1, 1, false);
        assertThat(c.status().state()).isEqualTo(CertifiedAutomation.State.TESTING);
        feed(c, CertifiedAutomation.GRID_ITEMS, 400, false);
        assertThat(c.status().state()).isEqualTo(CertifiedAutomation.State.CERTIFIED);
        assertThat(c.threshold()).isLessThan(1.0);
    }

    @Test
    void aLabelThatNeverComesCountsAsAnErrorAtTheEndOfItsWait() {
        CertifiedAutomation c = cert();
        feed(c, 0, CertifiedAutomation.GRID_ITEMS, false);
        c.decided("lost", 1000, 0.99, 1000);
        assertThat(c.advance(1000 + WAIT - 1)).isEmpty();
        assertThat(c.status().tested()).isZero();
        c.advance(1000 + WAIT);
        CertifiedAutomation.Status s = c.status();
        assertThat(s.tested()).isEqualTo(1);
        assertThat(s.errors()).isEqualTo(1);
        assertThat(s.imputed()).isEqualTo(1);
        assertThat(s.completeness()).isZero();
        // a label later than the wait changes nothing
        c.labelled("lost", false, 1000 + WAIT + 1);
        c.advance(1000 + WAIT + 1);
        assertThat(c.status().errors()).isEqualTo(1);
    }

    @Test
    void labelsAreUsedInDecisionOrderNotInTheOrderTheyComeBack() {
        CertifiedAutomation c = cert();
        feed(c, 0, CertifiedAutomation.GRID_ITEMS, false);
        c.decided("slow-wrong", 1000, 0.9, 1000);
        c.decided("fast-right", 1001, 0.9, 1001);
        c.labelled("fast-right", false, 1002);
        c.advance(1002);
        assertThat(c.status().tested())
                .as("waits for the item decided before it")
                .isZero();
        c.labelled("slow-wrong", true, 1050);
        c.advance(1050);
        assertThat(c.status().tested()).isEqualTo(2);
        assertThat(c.status().errors()).isEqualTo(1);
        assertThat(c.status().imputed()).isZero();
    }

    @Test
    void aLabelBeforeItsDecisionIsKeptUntilTheDecisionComes() {
        CertifiedAutomation c = cert();
        feed(c, 0, CertifiedAutomation.GRID_ITEMS, false);
        c.labelled("early", true, 1000);
        c.decided("early", 1000, 0.9, 1001);
        c.advance(1001);
        assertThat(c.status().tested()).isEqualTo(1);
        assertThat(c.status().errors()).isEqualTo(1);
        assertThat(c.status().imputed()).isZero();
    }

    @Test
    void aWithdrawalReviewsEverythingAndStartsOverFromLaterItems() {
        CertifiedAutomation c = cert();
        feed(c, 0, 500, false);
        assertThat(c.status().state()).isEqualTo(CertifiedAutomation.State.CERTIFIED);
        c.decided("before", 499, 0.9, 500); // decided before the warning's window ended
        assertThat(c.withdraw(500, "drift warning: confidence down")).isTrue();
        assertThat(c.threshold()).isInfinite();
        CertifiedAutomation.Status s = c.status();
        assertThat(s.epoch()).isEqualTo(1);
        assertThat(s.state()).isEqualTo(CertifiedAutomation.State.GRID);
        assertThat(s.reason()).contains("confidence down");
        c.labelled("before", false, 501);
        c.advance(501);
        assertThat(c.status().tested()).isZero();
        // an older warning does not start another epoch
        assertThat(c.withdraw(400, "late report")).isFalse();
        feed(c, 500, 500, false);
        assertThat(c.status().state()).isEqualTo(CertifiedAutomation.State.CERTIFIED);
    }

    @Test
    void theChangeDetectorWithdrawsWhenAutomaticDecisionsGoWrong() {
        CertifiedAutomation c = cert();
        feed(c, 0, 600, false);
        double t = c.threshold();
        assertThat(t).isFinite();
        int i = 600;
        while (c.status().epoch() == 0 && i < 700) {
            c.decided("e" + i, i, 0.999, i);
            c.labelled("e" + i, true, i);
            c.advance(i);
            i++;
        }
        assertThat(c.status().epoch()).isEqualTo(1);
        assertThat(c.status().reason()).startsWith("change detector");
        assertThat(i - 600).as("labels to the alarm").isLessThan(20);
    }

    @Test
    void theStateSurvivesACheckpoint() throws IOException {
        CertifiedAutomation c = cert();
        feed(c, 0, 300, false);
        c.decided("waiting", 300, 0.7, 300);
        c.labelled("early", false, 300);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        c.write(new DataOutputStream(bytes));
        CertifiedAutomation back =
                CertifiedAutomation.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(back.hasSettings(ALPHA, DELTA, 1000, WAIT)).isTrue();
        assertThat(back.copy().status()).isEqualTo(c.status());
        assertThat(back.status()).isEqualTo(c.status());
        assertThat(back.pendingItems()).isEqualTo(1);
        // both go on the same way
        for (CertifiedAutomation x : List.of(c, back)) {
            x.labelled("waiting", true, 301);
            x.decided("early", 301, 0.8, 301);
            x.advance(301);
            feed(x, 302, 200, false);
        }
        assertThat(back.status()).isEqualTo(c.status());
        assertThat(back.threshold()).isEqualTo(c.threshold());
    }

    /**
     * The detector's false alarms: at an error rate equal to α the mean labels to a false alarm is at least the
     * average run length A (here 200, over 40 seeded runs; the mean's standard error is taken from the runs).
     */
    @Test
    void theDetectorsAverageRunLengthAtAlphaIsAtLeastA() {
        double a = 200;
        double sum = 0;
        double sumSq = 0;
        int runs = 40;
        for (int seed = 0; seed < runs; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            ChangeDetector d = new ChangeDetector(0.02, a);
            long n = 0;
            do {
                n++;
            } while (!d.observe(rng.nextDouble() < 0.02) && n < 1_000_000);
            sum += n;
            sumSq += (double) n * n;
        }
        double mean = sum / runs;
        double se = Math.sqrt((sumSq / runs - mean * mean) / (runs - 1));
        assertThat(mean + 2 * se).as("mean run length %.0f", mean).isGreaterThanOrEqualTo(a);
    }
}
