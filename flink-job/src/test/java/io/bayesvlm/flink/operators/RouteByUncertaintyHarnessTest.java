package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CalibrationFeedback;
import io.bayesvlm.flink.records.ScoredImage;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class RouteByUncertaintyHarnessTest {

    static final String MODEL = Path.of(System.getProperty("repo.root", "../.."))
            .resolve("models/fashion-clip")
            .toString();

    static ScoredImage scored(String id, double maxProb) {
        ScoredImage s = new ScoredImage();
        s.eventId = id;
        s.eventTime = 1000;
        s.source = "t";
        s.image = new byte[] {1, 2, 3};
        s.readAtMillis = System.currentTimeMillis();
        s.predicted = 7;
        s.probs = new double[10];
        s.probs[7] = maxProb;
        s.probs[5] = 1 - maxProb;
        s.mapProbs = s.probs.clone();
        s.logitsMean = new double[10];
        s.logitsVar = new double[10];
        java.util.Arrays.fill(s.logitsVar, 4.0);
        s.uncertainty = new double[UncertaintyScore.values().length];
        s.uncertainty[UncertaintyScore.MAX_PROB.ordinal()] = maxProb;
        return s;
    }

    BroadcastOperatorTestHarness<ScoredImage, CalibrationFeedback, Decision> harness(JobConfig.RoutingOptions routing)
            throws Exception {
        return ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new RouteByUncertainty(MODEL, routing, false, 2, Long.MAX_VALUE), RouteByUncertainty.LATEST);
    }

    @Test
    void everyItemGetsADecisionAndRoutedOnesAReviewRequest() throws Exception {
        JobConfig.RoutingOptions routing =
                new JobConfig.RoutingOptions(UncertaintyScore.MAX_PROB, false, 0.8, 0, 1000, 0.0);
        try (var h = harness(routing)) {
            h.processElement(new StreamRecord<>(scored("sure", 0.97), 1000));
            h.processElement(new StreamRecord<>(scored("unsure", 0.55), 1000));
            List<Decision> decisions = h.extractOutputValues();
            assertThat(decisions).extracting(Decision::getRouting).containsExactly(Routing.AUTO, Routing.REVIEW);
            assertThat(decisions).extracting(Decision::getLabelPropensity).containsExactly(0.0, 1.0);
            assertThat(decisions.get(0).getPredictedClass()).isEqualTo("sneaker");
            assertThat(decisions.get(1).getRoutingThreshold()).isEqualTo(0.8);
            var reviews = h.getSideOutput(RouteByUncertainty.REVIEWS);
            assertThat(reviews).singleElement().satisfies(r -> {
                ReviewRequest req = r.getValue();
                assertThat(req.getEventId()).isEqualTo("unsure");
                assertThat(req.getReason()).isEqualTo(ReviewReason.UNCERTAIN);
                assertThat(req.getTopK()).extracting(c -> c.getClassId()).containsExactly("sneaker", "sandal");
                assertThat(req.getTopK().get(0).getLogitStd()).isEqualTo(2.0);
                assertThat(req.getPriority()).isEqualTo(-0.55);
            });
        }
    }

    @Test
    void auditsAreChosenByEventIdAndReplaysChooseTheSame() throws Exception {
        JobConfig.RoutingOptions routing =
                new JobConfig.RoutingOptions(UncertaintyScore.MAX_PROB, false, 0.5, 0, 1000, 0.3);
        List<Routing> first;
        try (var h = harness(routing)) {
            for (int i = 0; i < 200; i++) {
                h.processElement(new StreamRecord<>(scored("ev" + i, 0.9), i));
            }
            first = h.extractOutputValues().stream().map(Decision::getRouting).toList();
            // every confident decision had the same 0.3 chance of an audit label, whether it won the draw or not
            assertThat(h.extractOutputValues())
                    .allSatisfy(d -> assertThat(d.getLabelPropensity()).isEqualTo(0.3));
            assertThat(h.getSideOutput(RouteByUncertainty.REVIEWS))
                    .allSatisfy(r -> assertThat(r.getValue().getReason()).isEqualTo(ReviewReason.AUDIT));
        }
        assertThat(first.stream().filter(r -> r == Routing.AUDIT).count()).isBetween(40L, 80L);
        try (var h = harness(routing)) {
            for (int i = 0; i < 200; i++) {
                h.processElement(new StreamRecord<>(scored("ev" + i, 0.9), i));
            }
            assertThat(h.extractOutputValues().stream()
                            .map(Decision::getRouting)
                            .toList())
                    .isEqualTo(first);
        }
    }

    @Test
    void targetRateThresholdIsRestoredFromACheckpoint() throws Exception {
        JobConfig.RoutingOptions routing =
                new JobConfig.RoutingOptions(UncertaintyScore.MAX_PROB, true, 0.0, 0.25, 200, 0);
        OperatorSubtaskState snapshot;
        double threshold;
        try (var h = harness(routing)) {
            for (int i = 0; i < 400; i++) {
                h.processElement(new StreamRecord<>(scored("a" + i, 0.5 + (i % 100) / 200.0), i));
            }
            snapshot = h.snapshot(1, 1);
            List<Decision> out = h.extractOutputValues();
            threshold = out.get(out.size() - 1).getRoutingThreshold();
            long reviewed = out.subList(200, 400).stream()
                    .filter(d -> d.getRouting() == Routing.REVIEW)
                    .count();
            assertThat(reviewed).isBetween(40L, 60L); // about 25% of 200
        }
        try (var h = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(
                        new RouteByUncertainty(MODEL, routing, false, 2, Long.MAX_VALUE),
                        List.of(RouteByUncertainty.LATEST)),
                1,
                1,
                0)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(scored("b", 0.99), 1));
            // Without the restored history the fixed threshold (0.0) would apply; with it, the tracked quantile does.
            assertThat(h.extractOutputValues().get(0).getRoutingThreshold()).isEqualTo(threshold);
        }
    }
}
