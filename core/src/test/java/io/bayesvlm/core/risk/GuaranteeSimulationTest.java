package io.bayesvlm.core.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.metrics.DriftReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guarantee re-simulated end to end, with the classes the job runs: a stream of items routed by the certified
 * threshold ({@link CertifiedAutomation}), the label-free check over windows of their confidences
 * ({@link DriftReference}, which withdraws the certificate when it warns), a uniform design sample labelled with
 * delays and losses that are not at random (wrong answers come back slower, and are lost more often), in four
 * scenarios (stationary, an abrupt visible drift, a concept-only drift, a gradual drift) and two settings (the job's
 * defaults, the demo's), {@value #SEEDS} seeds each. Time is counted in items.
 *
 * <p>What is measured is exact, not sampled: each item's probability of being wrong is known, so the risk among
 * automatic decisions in a block of {@value #BLOCK} items is Σ P(auto) R / Σ P(auto) with the closed-form risk R of
 * the threshold in effect under the item's regime (a block "fails" when that is above α). The stream's model: a
 * confidence c with 1 − c = 0.6 U⁴ (U uniform), wrong with probability 1 − c (calibrated); the visible drift makes it
 * 1 − c = 0.6 U² and wrong with probability 2 (1 − c) (less confident and overconfident); the concept drift leaves
 * the confidences alone and makes a random quarter of the items wrong whatever their confidence.
 */
class GuaranteeSimulationTest {

    static final int SEEDS = 20;
    static final int BLOCK = 1000;

    /** One configuration of the job, in items (the job's defaults at 2,000 items a minute). */
    record Settings(
            String name,
            double alpha,
            double delta,
            double audit,
            int driftWindow,
            int referenceWindows,
            long labelWait,
            int items,
            int calibrationWindow,
            int calibrationSlide,
            int maxLabelDelay) {}

    /**
     * routing.max-auto-error 2%, risk-delta 5%, audit-fraction 2%; drift.window-size 1 min, reference-windows 5;
     * routing.certify-label-wait 15 min; calibration windows of 10 min sliding by 1 min, labels up to 5 min late.
     */
    static final Settings JOB =
            new Settings("job defaults", 0.02, 0.05, 0.02, 2000, 5, 30_000, 400_000, 20_000, 2000, 10_000);
    /** The demo's: 5%, 5%, 25%; 2 s windows (60 items a second), 10 of them; 10 s label wait; 30 s / 10 s / 10 s. */
    static final Settings DEMO = new Settings("demo", 0.05, 0.05, 0.25, 120, 10, 600, 60_000, 1800, 600, 600);

    enum Scenario {
        STATIONARY,
        ABRUPT,
        CONCEPT,
        GRADUAL
    }

    /** The results of one run. */
    record Run(
            int blocks,
            int failedBlocks,
            double expectedAuto,
            double expectedAutoErrors,
            long reviewed,
            long items,
            long excessItems,
            long warningsBeforeChange) {
        double autoRisk() {
            return expectedAuto == 0 ? 0 : expectedAutoErrors / expectedAuto;
        }

        double reviewRate() {
            return (double) reviewed / items;
        }

        double failedShare() {
            return (double) failedBlocks / blocks;
        }
    }

    // ---- the stream's model: 1 - c = scale * U^power, P(wrong | c) = min(1, factor (1 - c)) (+ a concept share) ----

    record Regime(double power, double factor, double alwaysWrong) {
        double confidence(double u) {
            return 1 - 0.6 * Math.pow(u, power);
        }

        double pWrong(double c) {
            return alwaysWrong + (1 - alwaysWrong) * Math.min(1, factor * (1 - c));
        }

        /** [P(c ≥ λ), E(P(wrong) | c ≥ λ)] by the midpoint rule over U (c falls as U grows). */
        double[] massAndRisk(double lambda) {
            int n = 20_000;
            double mass = 0;
            double err = 0;
            for (int i = 0; i < n; i++) {
                double c = confidence((i + 0.5) / n);
                if (c >= lambda) {
                    mass++;
                    err += pWrong(c);
                }
            }
            return new double[] {mass / n, mass == 0 ? 0 : err / mass};
        }
    }

    static final Regime BASE = new Regime(4, 1, 0);
    static final Regime VISIBLE = new Regime(2, 2, 0);
    static final Regime CONCEPT = new Regime(4, 1, 0.25);

    static final Map<String, double[]> CACHE = new HashMap<>();

    static double[] massAndRisk(Regime r, double lambda) {
        return CACHE.computeIfAbsent(r + "@" + lambda, k -> r.massAndRisk(lambda));
    }

    /** The share of items in the drifted regime at item i (0 before the change). */
    static double drifted(Scenario s, int i, int change, int ramp) {
        return switch (s) {
            case STATIONARY -> 0;
            case ABRUPT, CONCEPT -> i >= change ? 1 : 0;
            case GRADUAL -> Math.min(1, Math.max(0, (double) (i - change) / ramp));
        };
    }

    /** A label on its way back. */
    record Arrival(long at, String id, boolean wrong) {}

    static Run run(Settings st, Scenario scenario, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        CertifiedAutomation cert = new CertifiedAutomation(st.alpha(), st.delta(), 1000, st.labelWait());
        DriftReference drift =
                new DriftReference(st.referenceWindows(), 5.0, 30, new String[] {"confidence"}, new boolean[] {true});
        Regime after = scenario == Scenario.CONCEPT ? CONCEPT : VISIBLE;
        int change = st.items() / 2;
        int ramp = st.items() / 4;
        PriorityQueue<Arrival> arrivals = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        double[] window = new double[3];
        int blocks = 0;
        int failed = 0;
        double blockAuto = 0;
        double blockErrors = 0;
        double auto = 0;
        double errors = 0;
        long reviewed = 0;
        long lastExcess = -1;
        long warningsBefore = 0;
        for (int i = 0; i < st.items(); i++) {
            boolean isDrifted = rng.nextDouble() < drifted(scenario, i, change, ramp);
            Regime regime = isDrifted ? after : BASE;
            double c = regime.confidence(rng.nextDouble());
            boolean wrong = rng.nextDouble() < regime.pWrong(c);
            double lambda = cert.threshold();
            // the exact risk among automatic decisions at this threshold, for the mixture the item comes from
            if (Double.isFinite(lambda)) {
                double w = drifted(scenario, i, change, ramp);
                double[] b = massAndRisk(BASE, lambda);
                double[] a = massAndRisk(after, lambda);
                double mass = (1 - w) * b[0] + w * a[0];
                double err = (1 - w) * b[0] * b[1] + w * a[0] * a[1];
                blockAuto += mass;
                blockErrors += err;
                if (i >= change && mass > 0 && err / mass > st.alpha()) {
                    lastExcess = i;
                }
            }
            if (c < lambda) {
                reviewed++;
            }
            if (rng.nextDouble() < st.audit()) {
                String id = Integer.toString(i);
                cert.decided(id, i, c, i);
                // not at random: wrong answers take three times as long, and are lost 50 times as often
                boolean lost = rng.nextDouble() < (wrong ? 0.10 : 0.002);
                if (!lost) {
                    double mean = st.labelWait() / (wrong ? 4.0 : 12.0);
                    long delay = 1 + (long) (-mean * Math.log(1 - rng.nextDouble()));
                    arrivals.add(new Arrival(i + delay, id, wrong));
                }
            }
            while (!arrivals.isEmpty() && arrivals.peek().at() <= i) {
                Arrival a = arrivals.poll();
                cert.labelled(a.id(), a.wrong(), i);
            }
            cert.advance(i);
            window[0]++;
            window[1] += c;
            window[2] += c * c;
            if ((i + 1) % st.driftWindow() == 0) {
                DriftReference.Check check = drift.check(window);
                if (check.warning()) {
                    cert.withdraw(i + 1, "drift warning: " + check.reason());
                    if (i < change) {
                        warningsBefore++;
                    }
                }
                window = new double[3];
            }
            if ((i + 1) % BLOCK == 0) {
                blocks++;
                if (blockAuto > 0 && blockErrors / blockAuto > st.alpha()) {
                    failed++;
                }
                auto += blockAuto;
                errors += blockErrors;
                blockAuto = 0;
                blockErrors = 0;
            }
        }
        return new Run(
                blocks,
                failed,
                auto,
                errors,
                reviewed,
                st.items(),
                lastExcess < 0 ? 0 : lastExcess - change + 1,
                warningsBefore);
    }

    /** A design label as the per-window procedure saw it. */
    record WindowLabel(long eventTime, long arrival, double confidence, boolean wrong, double propensity) {}

    /**
     * The review rate of the per-window procedure the job had before (routing.certify=window): the threshold the
     * latest calibration window (Learn then Test over its design labels, reviewed ones thinned to the audit fraction)
     * vouched for, everything reviewed until one has and whenever the latest could not; lost labels left out.
     */
    static double windowProcedureReviewRate(Settings st, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<WindowLabel> labels = new ArrayList<>();
        double lambda = Double.POSITIVE_INFINITY;
        long reviewed = 0;
        for (int i = 0; i < st.items(); i++) {
            double c = BASE.confidence(rng.nextDouble());
            boolean wrong = rng.nextDouble() < BASE.pWrong(c);
            boolean review = c < lambda;
            if (review) {
                reviewed++;
            }
            boolean audit = !review && rng.nextDouble() < st.audit();
            if ((review || audit) && rng.nextDouble() >= (wrong ? 0.10 : 0.002)) {
                double mean = st.labelWait() / (wrong ? 4.0 : 12.0);
                long delay = 1 + (long) (-mean * Math.log(1 - rng.nextDouble()));
                labels.add(new WindowLabel(i, i + delay, c, wrong, review ? 1 : st.audit()));
            }
            // the window [end − size, end) fires once the watermark passes its end by the label delay
            long end = (long) i - st.maxLabelDelay();
            if (end > 0 && end % st.calibrationSlide() == 0) {
                long from = end - st.calibrationWindow();
                List<RiskControlledThreshold.Item> items = new ArrayList<>();
                for (WindowLabel l : labels) {
                    if (l.eventTime() >= from && l.eventTime() < end && l.arrival() <= i) {
                        items.add(new RiskControlledThreshold.Item(
                                l.confidence(), l.wrong(), l.propensity(), l.eventTime()));
                    }
                }
                double[] grid = HeldOutRisk.grid(
                        items.stream()
                                .mapToDouble(RiskControlledThreshold.Item::confidence)
                                .toArray(),
                        200);
                lambda = RiskControlledThreshold.choose(items, grid, st.alpha(), st.delta(), st.audit(), end)
                        .threshold();
                labels.removeIf(l -> l.eventTime() < end - st.calibrationWindow() + st.calibrationSlide());
            }
        }
        return (double) reviewed / st.items();
    }

    /** Runs of every seed of one setting and scenario, and their summary line. */
    record Replications(Settings settings, Scenario scenario, List<Run> runs) {
        double meanFailedShare() {
            return runs.stream().mapToDouble(Run::failedShare).average().orElseThrow();
        }

        /** 2 standard errors of the mean failed share between seeds. */
        double failedShareTolerance() {
            double m = meanFailedShare();
            double var = runs.stream()
                            .mapToDouble(r -> (r.failedShare() - m) * (r.failedShare() - m))
                            .sum()
                    / (runs.size() - 1);
            return 2 * Math.sqrt(var / runs.size());
        }

        double pooledAutoRisk() {
            double auto = runs.stream().mapToDouble(Run::expectedAuto).sum();
            return runs.stream().mapToDouble(Run::expectedAutoErrors).sum() / auto;
        }

        double meanReviewRate() {
            return runs.stream().mapToDouble(Run::reviewRate).average().orElseThrow();
        }

        long maxExcess() {
            return runs.stream().mapToLong(Run::excessItems).max().orElseThrow();
        }

        double meanExcess() {
            return runs.stream().mapToLong(Run::excessItems).average().orElseThrow();
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%-12s %-10s blocks above alpha %.4f (+-%.4f), auto risk %.4f, review rate %.3f, excess after the"
                            + " change %.0f items on average, %d at most, false warnings before it %d",
                    settings.name(),
                    scenario,
                    meanFailedShare(),
                    failedShareTolerance(),
                    pooledAutoRisk(),
                    meanReviewRate(),
                    meanExcess(),
                    maxExcess(),
                    runs.stream().mapToLong(Run::warningsBeforeChange).sum());
        }
    }

    static final Map<String, Replications> RESULTS = new HashMap<>();

    static Replications replications(Settings st, Scenario s) {
        return RESULTS.computeIfAbsent(st.name() + s, k -> {
            List<Run> runs = new ArrayList<>();
            for (int seed = 1; seed <= SEEDS; seed++) {
                runs.add(run(st, s, seed * 7919L + s.ordinal()));
            }
            Replications r = new Replications(st, s, runs);
            System.out.println(r);
            return r;
        });
    }

    @BeforeAll
    static void warmUp() {
        CACHE.clear();
    }

    @Test
    void stationaryBlocksAboveAlphaAtMostDeltaAndTheAutomaticErrorAtMostAlpha() {
        for (Settings st : List.of(JOB, DEMO)) {
            Replications r = replications(st, Scenario.STATIONARY);
            assertThat(r.meanFailedShare()).as(r.toString()).isLessThanOrEqualTo(st.delta() + r.failedShareTolerance());
            assertThat(r.pooledAutoRisk()).as(r.toString()).isLessThanOrEqualTo(st.alpha());
            // and it does automate, at a review rate at most 5 points above the per-window procedure's
            double before = 0;
            for (int seed = 1; seed <= SEEDS; seed++) {
                before += windowProcedureReviewRate(st, seed * 7919L) / SEEDS;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s: review rate %.3f, per-window procedure %.3f%n",
                    st.name(),
                    r.meanReviewRate(),
                    before);
            assertThat(r.meanReviewRate()).as(r.toString()).isLessThanOrEqualTo(before + 0.05);
        }
    }

    @Test
    void anAbruptVisibleDriftFailsAtMostDeltaOfTheBlocks() {
        for (Settings st : List.of(JOB, DEMO)) {
            Replications r = replications(st, Scenario.ABRUPT);
            assertThat(r.meanFailedShare()).as(r.toString()).isLessThanOrEqualTo(st.delta() + r.failedShareTolerance());
        }
    }

    @Test
    void aConceptDriftIsStoppedWithinTheLabelWaitAnd2000Items() {
        for (Settings st : List.of(JOB, DEMO)) {
            Replications r = replications(st, Scenario.CONCEPT);
            assertThat(r.maxExcess()).as(r.toString()).isLessThanOrEqualTo(st.labelWait() + 2000);
        }
    }

    @Test
    void aGradualDriftFailsAtMostDeltaOfTheBlocks() {
        for (Settings st : List.of(JOB, DEMO)) {
            Replications r = replications(st, Scenario.GRADUAL);
            assertThat(r.meanFailedShare()).as(r.toString()).isLessThanOrEqualTo(st.delta() + r.failedShareTolerance());
        }
    }
}
