package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.CrossFitting;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.failure.FailureTraining;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CertificationInput;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.FailureSelection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * routing.score=auto in the certifying operator: the cross-fitting's selection is certified alongside the score in
 * force on the same design labels, and the certificates switch to it once a threshold on it is certified and decides
 * at least as much automatically; they never switch to a candidate that would decide less, and a learned candidate's
 * certificate carries its predictor, whose P(wrong) the threshold is on.
 */
class CertifyThresholdAutoHarnessTest {

    static final String KEY = "model/1";
    static final double ALPHA = 0.05;
    static final int K = 10;

    static JobConfig.RoutingOptions routing() {
        // every routed item is in the design sample: audit fraction 1
        return TestRecords.risk(
                UncertaintyScore.MAX_PROB,
                1.0,
                ALPHA,
                new JobConfig.RoutingOptions.Certification(true, Duration.ofSeconds(10), 1000));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> harness()
            throws Exception {
        var h = unopened();
        h.open();
        return h;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> unopened()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new CertifyThreshold(routing(), RouteByUncertaintyHarnessTest.MODEL, true)),
                in -> in.modelKey,
                Types.STRING);
    }

    /** One design item: its six scores (max_prob, ..., margin, doctor) and, for a learned candidate, its embedding. */
    static FailureObservation item(int i, double maxProb, double margin, double[] image, double[] logits) {
        double[] var = new double[K];
        java.util.Arrays.fill(var, 0.1);
        double[] scores = {maxProb, 1 - maxProb, 0.1, 0.2, margin, maxProb};
        return FailureObservation.of("e" + i, KEY, i, "REVIEW", new FailureInput(image, i % K, logits, var, scores));
    }

    /** Feeds items from..to−1 (each decided, then labelled wrong or right) at processing time = index. */
    static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> h,
            List<FailureObservation> items,
            IntPredicate wrong,
            int from,
            int to)
            throws Exception {
        for (int i = from; i < to; i++) {
            h.setProcessingTime(i);
            h.processElement(new StreamRecord<>(CertificationInput.observed(items.get(i))));
            h.processElement(new StreamRecord<>(CertificationInput.labelled(KEY, "e" + i, wrong.test(i))));
        }
    }

    static FailureSelection selection(String score, long labels, FailurePredictor learned) throws Exception {
        Map<String, Double> rates = new java.util.LinkedHashMap<>();
        rates.put("max_prob", 0.9);
        rates.put(score, 0.3);
        return FailureSelection.of(
                "model",
                "1",
                labels,
                new CrossFitting.Selection(
                        score,
                        1,
                        learned,
                        rates,
                        labels - 1000,
                        labels,
                        learned == null ? 0 : 1,
                        0,
                        labels - 1000,
                        learned));
    }

    static List<FailureObservation> fixedItems(int n, double[] maxProb, double[] margin) {
        List<FailureObservation> items = new ArrayList<>();
        double[] image = {0.6, 0.8};
        double[] logits = new double[K];
        for (int i = 0; i < n; i++) {
            items.add(item(i, maxProb[i], margin[i], image, logits));
        }
        return items;
    }

    /** Design items whose max_prob says nothing about the errors while the margin sees them all. */
    record MarginSeesTheErrors(List<FailureObservation> items, IntPredicate wrong) {}

    /** n items, a quarter of them wrong: those with margins under 0.25. */
    static MarginSeesTheErrors marginSeesTheErrors(int n) {
        double[] maxProb = new double[n];
        double[] margin = new double[n];
        for (int i = 0; i < n; i++) {
            maxProb[i] = 0.5 + 0.5 * ((i * 53) % 100) / 100.0;
            margin[i] = ((i * 37) % 100) / 100.0;
        }
        return new MarginSeesTheErrors(fixedItems(n, maxProb, margin), i -> margin[i] < 0.25);
    }

    @Test
    void switchesToACandidateOnceItIsCertifiedWhereTheScoreInForceCertifiesNothing() throws Exception {
        int n = 900;
        MarginSeesTheErrors m = marginSeesTheErrors(n);
        List<FailureObservation> items = m.items();
        IntPredicate wrong = m.wrong();
        try (var h = harness()) {
            feed(h, items, wrong, 0, 200);
            assertThat(h.extractOutputValues()).isNotEmpty().allSatisfy(c -> {
                assertThat(c.getScore()).isEqualTo("max_prob");
                assertThat(c.getState()).isNotEqualTo("CERTIFIED");
            });
            h.processElement(new StreamRecord<>(CertificationInput.selection(selection("margin", 1000, null))));
            feed(h, items, wrong, 200, n);
            List<RiskCertificate> out = h.extractOutputValues();
            RiskCertificate first = out.stream()
                    .filter(c -> c.getScore().equals("margin"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no switch to margin: " + out));
            assertThat(first.getState()).isEqualTo("CERTIFIED");
            // the certified side holds no wrong item: margins at or above the threshold are all right
            assertThat(first.getThreshold()).isGreaterThanOrEqualTo(0.25);
            assertThat(first.getReason()).contains("selected margin after 1000 design labels");
            assertThat(first.getPredictor()).isNull();
            // after the switch every certificate is on margin
            assertThat(out.subList(out.indexOf(first), out.size()))
                    .allSatisfy(c -> assertThat(c.getScore()).isEqualTo("margin"));
        }
    }

    /**
     * The cross-fitting trained its candidate on labels of decisions up to the selection's labelledUpTo: the
     * candidate's certification uses none of them, only design items decided after it.
     */
    @Test
    void aCandidateIsNeverCertifiedOnDecisionsWhoseLabelsItCouldHaveBeenTrainedOn() throws Exception {
        int n = 1700;
        MarginSeesTheErrors m = marginSeesTheErrors(n);
        List<FailureObservation> items = m.items();
        IntPredicate wrong = m.wrong();
        try (var h = harness()) {
            feed(h, items, wrong, 0, 10);
            FailureSelection sel = selection("margin", 1000, null);
            sel.labelledUpTo = 800; // event time = index
            h.processElement(new StreamRecord<>(CertificationInput.selection(sel)));
            // 790 items the candidate would certify on within a few hundred (previous test), but may not use
            feed(h, items, wrong, 10, 801);
            assertThat(h.extractOutputValues())
                    .allSatisfy(c -> assertThat(c.getScore()).isEqualTo("max_prob"));
            feed(h, items, wrong, 801, n);
            RiskCertificate first = h.extractOutputValues().stream()
                    .filter(c -> c.getScore().equals("margin"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no switch to margin after the trained-on items"));
            assertThat(first.getTested()).isLessThanOrEqualTo(n - 801);
        }
    }

    /** A fresh auto-routing operator restored from a snapshot, open. */
    static KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> restore(
            OperatorSubtaskState snapshot) throws Exception {
        var h = unopened();
        h.setup();
        h.initializeState(snapshot);
        h.open();
        return h;
    }

    /**
     * A restart while a candidate is being certified alongside the score in force, and another after the switch:
     * the candidate, its progress on the design labels and the recent confidences it is compared on come back from
     * the checkpoint, so the certificates are exactly those of a run without restarts.
     */
    @Test
    void restartsWhileACandidateIsCertifiedAndAfterTheSwitchChangeNoCertificate() throws Exception {
        int n = 900;
        MarginSeesTheErrors m = marginSeesTheErrors(n);
        List<FailureObservation> items = m.items();
        IntPredicate wrong = m.wrong();
        List<RiskCertificate> straight;
        int switchedAt;
        try (var h = harness()) {
            feed(h, items, wrong, 0, 200);
            h.processElement(new StreamRecord<>(CertificationInput.selection(selection("margin", 1000, null))));
            feed(h, items, wrong, 200, n);
            straight = h.extractOutputValues();
            switchedAt = (int) straight.stream()
                    .filter(c -> c.getScore().equals("margin"))
                    .findFirst()
                    .orElseThrow()
                    .getIssuedAt()
                    .toEpochMilli();
        }
        // the first restart lands after the selection and before the candidate is certified; the second after it
        int firstRestart = 250;
        int secondRestart = switchedAt + 50;
        assertThat(switchedAt).isBetween(firstRestart + 1, n - 100);
        List<RiskCertificate> restarted = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            feed(h, items, wrong, 0, 200);
            h.processElement(new StreamRecord<>(CertificationInput.selection(selection("margin", 1000, null))));
            feed(h, items, wrong, 200, firstRestart);
            snapshot = h.snapshot(1, firstRestart);
            restarted.addAll(h.extractOutputValues());
        }
        try (var h = restore(snapshot)) {
            feed(h, items, wrong, firstRestart, secondRestart);
            snapshot = h.snapshot(2, secondRestart);
            restarted.addAll(h.extractOutputValues());
        }
        try (var h = restore(snapshot)) {
            feed(h, items, wrong, secondRestart, n);
            restarted.addAll(h.extractOutputValues());
        }
        assertThat(restarted).isEqualTo(straight);
    }

    @Test
    void neverSwitchesToACandidateThatWouldDecideLessAutomatically() throws Exception {
        int n = 1500;
        double[] maxProb = new double[n];
        double[] margin = new double[n];
        for (int i = 0; i < n; i++) {
            maxProb[i] = 0.5 + 0.5 * ((i * 53) % 100) / 100.0;
            // margin sees the errors too, but puts half of the right items with them
            boolean w = maxProb[i] < 0.6;
            margin[i] = w || i % 2 == 0 ? 0.3 * ((i * 37) % 100) / 100.0 : 0.3 + 0.7 * ((i * 37) % 100) / 100.0;
        }
        IntPredicate wrong = i -> maxProb[i] < 0.6;
        List<FailureObservation> items = fixedItems(n, maxProb, margin);
        try (var h = harness()) {
            feed(h, items, wrong, 0, 400);
            assertThat(h.extractOutputValues())
                    .anySatisfy(c -> assertThat(c.getState()).isEqualTo("CERTIFIED"));
            h.processElement(new StreamRecord<>(CertificationInput.selection(selection("margin", 1000, null))));
            feed(h, items, wrong, 400, n);
            // margin gets certified alongside (at 0.3 and above), but would automate about 40% against about 80%
            assertThat(h.extractOutputValues())
                    .allSatisfy(c -> assertThat(c.getScore()).isEqualTo("max_prob"));
        }
    }

    @Test
    void aLearnedCandidatesCertificateCarriesItsPredictorAndIsOnItsProbabilityOfBeingWrong() throws Exception {
        double[][] text = BayesVlmModel.loadHead(
                        ModelSpec.load(Path.of(RouteByUncertaintyHarnessTest.MODEL)), ScoringOptions.DEFAULTS)
                .unitClassEmbeddings();
        int k = text.length;
        int d = text[0].length;
        SplittableRandom rng = new SplittableRandom(3);
        int n = 900;
        List<FailureObservation> items = new ArrayList<>();
        List<FailureInput> training = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] image = new double[d];
            for (int j = 0; j < d; j++) {
                image[j] = rng.nextDouble() - 0.5;
            }
            double[] logits = new double[k];
            for (int c = 0; c < k; c++) {
                logits[c] = 10 * rng.nextDouble();
            }
            FailureObservation o = item(i, 0.5 + 0.5 * rng.nextDouble(), rng.nextDouble(), image, logits);
            items.add(o);
            training.add(o.input());
        }
        boolean[] trainWrong = new boolean[n];
        for (int i = 0; i < n; i++) {
            trainWrong[i] = i % 3 == 0;
        }
        FailurePredictor p = FailureTraining.fit(
                training.subList(0, 200),
                java.util.Arrays.copyOf(trainWrong, 200),
                text,
                FailureTraining.Options.DEFAULTS.withEpochs(2));
        // the truth is whatever this predictor finds most likely wrong: a third of the items
        double[] pWrong =
                items.stream().mapToDouble(o -> p.failureProbability(o.input())).toArray();
        double cut = java.util.Arrays.stream(pWrong).sorted().toArray()[2 * n / 3];
        IntPredicate wrong = i -> pWrong[i] >= cut;
        try (var h = harness()) {
            feed(h, items, wrong, 0, 100);
            h.processElement(new StreamRecord<>(CertificationInput.selection(selection("learned", 1000, p))));
            feed(h, items, wrong, 100, n);
            RiskCertificate learned = h.extractOutputValues().stream()
                    .filter(c -> c.getScore().equals("learned"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no switch to learned: " + h.extractOutputValues()));
            assertThat(learned.getState()).isEqualTo("CERTIFIED");
            assertThat(learned.getPredictor()).isEqualTo(p.version());
            byte[] weights = new byte[learned.getPredictorWeights().remaining()];
            learned.getPredictorWeights().duplicate().get(weights);
            assertThat(FailurePredictor.read(
                                    new java.io.DataInputStream(new java.io.ByteArrayInputStream(weights)), text)
                            .version())
                    .isEqualTo(p.version());
            // P(wrong) at or below the threshold is decided automatically: no wrong item lies there
            assertThat(learned.getThreshold()).isLessThan(cut);
        }
    }
}
