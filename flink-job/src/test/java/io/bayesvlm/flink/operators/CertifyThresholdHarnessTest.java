package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.risk.CertifiedAutomation;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CertificationInput;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The certifying operator in a harness: certificates as the certification changes (grid, certified, withdrawn by a
 * label-free warning), a missing label counted at the end of its wait by the processing-time timer, and the state
 * through a checkpoint.
 */
class CertifyThresholdHarnessTest {

    static final String KEY = "model/1";
    static final Duration WAIT = Duration.ofSeconds(10);

    static JobConfig.RoutingOptions routing() {
        return TestRecords.risk(
                UncertaintyScore.MAX_PROB, 0.25, 0.05, new JobConfig.RoutingOptions.Certification(true, WAIT, 1000));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new CertifyThreshold(routing()), in -> in.modelKey, Types.STRING);
    }

    /** A fresh operator restored from a snapshot, open. */
    static KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> restore(
            OperatorSubtaskState snapshot) throws Exception {
        var restored = new KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate>(
                new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(new CertifyThreshold(routing())),
                in -> in.modelKey,
                Types.STRING);
        restored.setup();
        restored.initializeState(snapshot);
        restored.open();
        return restored;
    }

    /** Items from..from+n−1: decided at event time i with max_prob spread over [0.5, 1), labelled right. */
    static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> h, int from, int n)
            throws Exception {
        for (int i = from; i < from + n; i++) {
            h.setProcessingTime(i);
            h.processElement(new StreamRecord<>(
                    CertificationInput.decided(KEY, "e" + i, i, 0.5 + 0.5 * ((i * 37) % 100) / 100.0)));
            h.processElement(new StreamRecord<>(CertificationInput.labelled(KEY, "e" + i, false)));
        }
    }

    static RiskCertificate last(KeyedOneInputStreamOperatorTestHarness<String, CertificationInput, RiskCertificate> h) {
        List<RiskCertificate> out = h.extractOutputValues();
        return out.get(out.size() - 1);
    }

    @Test
    void certifiesThenAWarningWithdrawsIt() throws Exception {
        try (var h = harness()) {
            feed(h, 0, 1);
            assertThat(last(h).getState()).isEqualTo("GRID");
            assertThat(last(h).getThreshold()).isNull();
            feed(h, 1, CertifiedAutomation.GRID_ITEMS + 400);
            RiskCertificate certified = last(h);
            assertThat(certified.getState()).isEqualTo("CERTIFIED");
            assertThat(certified.getThreshold()).isBetween(0.5, 1.0);
            assertThat(certified.getModelName()).isEqualTo("model");
            assertThat(certified.getModelVersion()).isEqualTo("1");
            assertThat(certified.getLabelCompleteness()).isEqualTo(1.0);
            // certificates are numbered in the order written
            List<RiskCertificate> all = h.extractOutputValues();
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).getSequence()).isEqualTo(i);
            }

            h.processElement(
                    new StreamRecord<>(CertificationInput.warning(KEY, 1000, "drift warning: confidence down")));
            RiskCertificate withdrawn = last(h);
            assertThat(withdrawn.getThreshold()).isNull();
            assertThat(withdrawn.getEpoch()).isEqualTo(1);
            assertThat(withdrawn.getState()).isEqualTo("GRID");
            assertThat(withdrawn.getReason()).contains("confidence down");
            assertThat(withdrawn.getSince().toEpochMilli()).isEqualTo(1000);
        }
    }

    @Test
    void aLabelThatDoesNotComeBackIsAnErrorWhenItsWaitRunsOutAndTheStateSurvivesACheckpoint() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            feed(h, 0, CertifiedAutomation.GRID_ITEMS);
            long t = 10_000;
            h.setProcessingTime(t);
            h.processElement(new StreamRecord<>(CertificationInput.decided(KEY, "lost", t, 0.99)));
            snapshot = h.snapshot(1, t);
        }
        try (var restored = restore(snapshot)) {
            restored.setProcessingTime(10_000 + WAIT.toMillis() + 1000); // the timer after the wait
            RiskCertificate c = last(restored);
            assertThat(c.getTested()).isEqualTo(1);
            assertThat(c.getErrors()).isEqualTo(1);
            assertThat(c.getMissing()).isEqualTo(1);
            assertThat(c.getLabelCompleteness()).isEqualTo(0.0);
        }
    }

    /**
     * The operator restarts on a TaskManager whose clock is an hour behind the one that certified: the withdrawal it
     * writes is still issued after the certificate (the router keeps the latest issued), never ranked below it.
     */
    @Test
    void aWithdrawalAfterARestartOnASlowerClockIsIssuedAfterTheCertificate() throws Exception {
        OperatorSubtaskState snapshot;
        RiskCertificate certified;
        long hour = Duration.ofHours(1).toMillis();
        try (var h = harness()) {
            feed(h, 0, CertifiedAutomation.GRID_ITEMS + 400);
            h.setProcessingTime(2 * hour);
            h.processElement(new StreamRecord<>(CertificationInput.decided(KEY, "late", 2 * hour, 0.99)));
            h.processElement(new StreamRecord<>(CertificationInput.labelled(KEY, "late", false)));
            certified = last(h);
            assertThat(certified.getState()).isEqualTo("CERTIFIED");
            snapshot = h.snapshot(1, 2 * hour);
        }
        try (var restored = restore(snapshot)) {
            restored.setProcessingTime(hour);
            restored.processElement(new StreamRecord<>(CertificationInput.warning(KEY, hour, "drift warning")));
            RiskCertificate withdrawn = last(restored);
            assertThat(withdrawn.getThreshold()).isNull();
            assertThat(withdrawn.getIssuedAt()).isAfter(certified.getIssuedAt());
            assertThat(withdrawn.getSequence()).isGreaterThan(certified.getSequence());
        }
    }
}
