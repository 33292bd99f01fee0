package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CalibrationFeedback;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * routing.mode=risk: review everything until a certificate (or, with routing.certify=window, a window) vouches for a
 * threshold, then follow the latest one.
 */
class RouteByUncertaintyFeedbackHarnessTest {

    static JobConfig.RoutingOptions risk(UncertaintyScore score, double audit) {
        return TestRecords.risk(
                score,
                audit,
                0.02,
                new JobConfig.RoutingOptions.Certification(false, java.time.Duration.ofMinutes(1), 1000));
    }

    @Test
    void reviewsEverythingUntilAThresholdIsVouchedForThenFollowsTheLatest() throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(
                        RouteByUncertaintyHarnessTest.MODEL, risk(UncertaintyScore.MAX_PROB, 0), false, 2, -1L),
                RouteByUncertainty.LATEST)) {
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("a", 0.999), 1));
            // a window vouches for max_prob >= 0.9
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(20_000, "max_prob", 0.9), 2));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("b", 0.95), 3));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("c", 0.85), 4));
            // an older window's report, and one for another score, change nothing
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(10_000, "max_prob", 0.5), 5));
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(30_000, "entropy", 5.0), 6));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("d", 0.85), 7));
            // the latest window could not vouch for any threshold: back to reviewing everything
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(40_000, "max_prob", Double.NaN), 8));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("e", 0.999), 9));

            assertThat(h.extractOutputValues())
                    .extracting(Decision::getEventId, Decision::getRouting)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("a", Routing.REVIEW),
                            org.assertj.core.groups.Tuple.tuple("b", Routing.AUTO),
                            org.assertj.core.groups.Tuple.tuple("c", Routing.REVIEW),
                            org.assertj.core.groups.Tuple.tuple("d", Routing.REVIEW),
                            org.assertj.core.groups.Tuple.tuple("e", Routing.REVIEW));
            Decision b = h.extractOutputValues().get(1);
            assertThat(b.getRoutingThreshold()).isEqualTo(0.9);
            assertThat(h.getSideOutput(RouteByUncertainty.REVIEWS)).hasSize(4);
        }
    }

    @Test
    void theLatestThresholdSurvivesARestart() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(
                        RouteByUncertaintyHarnessTest.MODEL, risk(UncertaintyScore.MAX_PROB, 0), false, 2, -1L),
                RouteByUncertainty.LATEST)) {
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(20_000, "max_prob", 0.9), 2));
            snapshot = h.snapshot(1, 10);
        }
        var restored = new org.apache.flink.streaming.util.BroadcastOperatorTestHarness<>(
                new org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator<>(
                        new RouteByUncertainty(
                                RouteByUncertaintyHarnessTest.MODEL, risk(UncertaintyScore.MAX_PROB, 0), false, 2, -1L),
                        java.util.List.of(RouteByUncertainty.LATEST)),
                1,
                1,
                0);
        try (restored) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("after", 0.95), 11));
            assertThat(restored.extractOutputValues())
                    .extracting(Decision::getRouting)
                    .containsExactly(Routing.AUTO);
        }
    }

    /** Sequence certification; audits practically never (a random draw must not audit the items checked here). */
    static JobConfig.RoutingOptions sequence() {
        return TestRecords.risk(
                UncertaintyScore.MAX_PROB, 1e-9, 0.02, JobConfig.RoutingOptions.Certification.defaults());
    }

    static String modelKey() throws Exception {
        var spec = io.bayesvlm.core.model.ModelSpec.load(java.nio.file.Path.of(RouteByUncertaintyHarnessTest.MODEL));
        return io.bayesvlm.core.model.ModelSpec.key(spec.name(), spec.version());
    }

    @Test
    void withSequenceCertificationTheLatestCertificateOfThisModelRoutesAndWindowsAreIgnored() throws Exception {
        String key = modelKey();
        try (var h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(RouteByUncertaintyHarnessTest.MODEL, sequence(), false, 2, -1L),
                RouteByUncertainty.LATEST)) {
            // a window's threshold is not this mode's: ignored
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(20_000, "max_prob", 0.5), 1));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("a", 0.95), 2));
            // certified max_prob >= 0.9
            h.processBroadcastElement(
                    new StreamRecord<>(CalibrationFeedback.certificate(key, 1_000, 3, "max_prob", 0.9), 3));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("b", 0.95), 4));
            // another model's, an older one, and one on another score: ignored
            h.processBroadcastElement(
                    new StreamRecord<>(CalibrationFeedback.certificate("other/1", 5_000, 0, "max_prob", 0.1), 5));
            h.processBroadcastElement(
                    new StreamRecord<>(CalibrationFeedback.certificate(key, 1_000, 2, "max_prob", 0.1), 6));
            h.processBroadcastElement(
                    new StreamRecord<>(CalibrationFeedback.certificate(key, 6_000, 0, "entropy", 9.0), 7));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("c", 0.85), 8));
            // withdrawn (drift): everything to review again
            h.processBroadcastElement(
                    new StreamRecord<>(CalibrationFeedback.certificate(key, 2_000, 0, "max_prob", Double.NaN), 9));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("d", 0.999), 10));

            assertThat(h.extractOutputValues())
                    .extracting(Decision::getEventId, Decision::getRouting)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("a", Routing.REVIEW),
                            org.assertj.core.groups.Tuple.tuple("b", Routing.AUTO),
                            org.assertj.core.groups.Tuple.tuple("c", Routing.REVIEW),
                            org.assertj.core.groups.Tuple.tuple("d", Routing.REVIEW));
        }
    }

    @Test
    void theLatestTemperaturesRecalibrateEveryNewDecisionWithTheirVersion() throws Exception {
        JobConfig.RoutingOptions threshold =
                new JobConfig.RoutingOptions(UncertaintyScore.MAX_PROB, false, 0.8, 0, 1000, 0);
        try (var h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(RouteByUncertaintyHarnessTest.MODEL, threshold, true, 2, -1L),
                RouteByUncertainty.LATEST)) {
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("before", 0.9), 1));
            h.processBroadcastElement(new StreamRecord<>(CalibrationFeedback.temperatures(50_000, 2.0, 0.5), 2));
            h.processBroadcastElement(
                    new StreamRecord<>(CalibrationFeedback.temperatures(40_000, 9.0, 9.0), 3)); // stale
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("after", 0.9), 4));
            Decision before = h.extractOutputValues().get(0);
            Decision after = h.extractOutputValues().get(1);
            assertThat(before.getCalibrationVersion()).isNull();
            assertThat(before.getRecalibratedProbs()).isNull();
            assertThat(after.getCalibrationVersion()).isEqualTo(50_000L);
            double[] p =
                    after.getProbs().stream().mapToDouble(Double::doubleValue).toArray();
            double[] expected = io.bayesvlm.core.metrics.TemperatureScaling.apply(
                    io.bayesvlm.core.metrics.TemperatureScaling.logitsOf(p), 2.0);
            assertThat(after.getRecalibratedProbs()).hasSize(expected.length);
            for (int c = 0; c < expected.length; c++) {
                assertThat(after.getRecalibratedProbs().get(c))
                        .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-12));
            }
            // T = 2 softens: the top class loses probability; MAP's T = 0.5 sharpens
            assertThat(after.getRecalibratedProbs().get(7)).isLessThan(0.9);
            assertThat(after.getRecalibratedMapProbs().get(7)).isGreaterThan(0.9);
            // routing still uses the raw score
            assertThat(after.getRouting()).isEqualTo(Routing.AUTO);
        }
    }

    @Test
    void temperaturesAreIgnoredWhenRecalibrationIsOff() throws Exception {
        // The calibration topic may hold temperatures from an earlier run with calibration.recalibrate on.
        JobConfig.RoutingOptions threshold =
                new JobConfig.RoutingOptions(UncertaintyScore.MAX_PROB, false, 0.8, 0, 1000, 0);
        try (var h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(RouteByUncertaintyHarnessTest.MODEL, threshold, false, 2, -1L),
                RouteByUncertainty.LATEST)) {
            h.processBroadcastElement(new StreamRecord<>(CalibrationFeedback.temperatures(50_000, 2.0, 0.5), 1));
            h.processBroadcastElement(new StreamRecord<>(new CalibrationFeedback(60_000, "max_prob", 0.99), 2));
            h.processElement(new StreamRecord<>(RouteByUncertaintyHarnessTest.scored("x", 0.9), 3));
            Decision x = h.extractOutputValues().get(0);
            assertThat(x.getCalibrationVersion()).isNull();
            assertThat(x.getRecalibratedProbs()).isNull();
            // and a vouched threshold is ignored outside routing.mode=risk: the fixed 0.8 still decides
            assertThat(x.getRouting()).isEqualTo(Routing.AUTO);
            assertThat(x.getRoutingThreshold()).isEqualTo(0.8);
        }
    }
    /** A certificate on another score than the start one (routing.score=auto), with a predictor's weights. */
    static CalibrationFeedback autoCertificate(
            String key, long issuedAt, String score, double threshold, String version, byte[] weights) {
        CalibrationFeedback f = CalibrationFeedback.certificate(key, issuedAt, 0, score, threshold);
        f.predictor = version;
        f.predictorWeights = weights;
        return f;
    }

    /**
     * routing.score=auto: the router follows the latest certificate's score, computes the learned one itself with the
     * predictor the certificate carries, and reviews everything when that predictor is damaged, for another model, or
     * not the version the certificate names (a lying or corrupted certificate never decides automatically).
     */
    @Test
    void onAutoTheCertificatesScoreRoutesAndAPredictorThatCannotBeReadReviewsEverything() throws Exception {
        String key = modelKey();
        double[][] text = io.bayesvlm.core.BayesVlmModel.loadHead(
                        io.bayesvlm.core.model.ModelSpec.load(
                                java.nio.file.Path.of(RouteByUncertaintyHarnessTest.MODEL)),
                        io.bayesvlm.core.ScoringOptions.DEFAULTS)
                .unitClassEmbeddings();
        int d = text[0].length;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        java.util.List<io.bayesvlm.core.failure.FailureInput> inputs = new java.util.ArrayList<>();
        boolean[] wrong = new boolean[100];
        for (int i = 0; i < wrong.length; i++) {
            double[] image = new double[d];
            for (int j = 0; j < d; j++) {
                image[j] = rng.nextDouble() - 0.5;
            }
            double[] mean = new double[text.length];
            double[] var = new double[text.length];
            java.util.Arrays.fill(var, 0.5);
            inputs.add(new io.bayesvlm.core.failure.FailureInput(
                    image, i % text.length, mean, var, new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}));
            wrong[i] = i % 3 == 0;
        }
        io.bayesvlm.core.failure.FailurePredictor p = io.bayesvlm.core.failure.FailureTraining.fit(
                inputs, wrong, text, io.bayesvlm.core.failure.FailureTraining.Options.DEFAULTS.withEpochs(2));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        p.write(new java.io.DataOutputStream(bytes));
        byte[] weights = bytes.toByteArray();

        io.bayesvlm.flink.records.ScoredImage x = RouteByUncertaintyHarnessTest.scored("x", 0.6);
        x.imageMean = new float[d];
        for (int j = 0; j < d; j++) {
            x.imageMean[j] = (float) (rng.nextDouble() - 0.5);
        }
        double pWrong = p.failureProbability(io.bayesvlm.core.failure.FailureInput.of(
                x.imageMean, x.predicted, x.logitsMean, x.logitsVar, x.uncertainty));
        byte[] damaged = java.util.Arrays.copyOf(weights, weights.length / 2);
        byte[] otherVersion = weights.clone();
        otherVersion[otherVersion.length - 1] ^= 1; // b3, the last float: another predictor

        try (var h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(RouteByUncertaintyHarnessTest.MODEL, sequence(), false, 2, -1L, true),
                RouteByUncertainty.LATEST)) {
            h.processBroadcastElement(
                    new StreamRecord<>(autoCertificate(key, 1_000, "learned", pWrong + 1e-6, p.version(), weights), 1));
            h.processElement(new StreamRecord<>(x, 2));
            h.processBroadcastElement(
                    new StreamRecord<>(autoCertificate(key, 2_000, "learned", 1.0, "sha256:damaged", damaged), 3));
            h.processElement(new StreamRecord<>(x, 4));
            h.processBroadcastElement(
                    new StreamRecord<>(autoCertificate(key, 3_000, "learned", 1.0, p.version(), otherVersion), 5));
            h.processElement(new StreamRecord<>(x, 6));
            h.processBroadcastElement(new StreamRecord<>(autoCertificate(key, 4_000, "max_prob", 0.5, null, null), 7));
            h.processElement(new StreamRecord<>(x, 8));

            java.util.List<Decision> out = h.extractOutputValues();
            assertThat(out)
                    .extracting(Decision::getRouting)
                    .containsExactly(Routing.AUTO, Routing.REVIEW, Routing.REVIEW, Routing.AUTO);
            assertThat(out.get(0).getRoutingScore()).isEqualTo("learned");
            assertThat(out.get(0).getRoutingPredictor()).isEqualTo(p.version());
            assertThat(out.get(0).getRoutingValue()).isCloseTo(pWrong, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(out.get(1).getRoutingPredictor()).isNull();
            assertThat(out.get(3).getRoutingScore()).isEqualTo("max_prob");
            assertThat(out.get(3).getRoutingPredictor()).isNull();
        }
    }
}
