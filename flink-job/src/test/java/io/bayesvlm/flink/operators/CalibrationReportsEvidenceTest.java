package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.flink.records.LabelledDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a window's report claims needs evidence: audits for the population, enough labels for new temperatures. */
class CalibrationReportsEvidenceTest {

    static CalibrationReports.ReportSpec spec(boolean populationEstimable, int minLabels) {
        return new CalibrationReports.ReportSpec(10, null, true, populationEstimable, minLabels);
    }

    @Test
    void withoutAuditsTheReportMakesNoClaimAboutTheWholeStream() {
        // With routing.audit-fraction 0 only reviewed items are labelled: weighting them cannot stand for the
        // automatic decisions, so the report carries no population section at all.
        List<LabelledDecision> reviewedOnly = CalibrationReportsRiskTest.window(400, 3).stream()
                .filter(d -> d.routing.equals("REVIEW"))
                .toList();
        CalibrationReport blind = CalibrationReports.build(reviewedOnly, 0, 1000, spec(false, 1));
        CalibrationReport audited =
                CalibrationReports.build(CalibrationReportsRiskTest.window(400, 3), 0, 1000, spec(true, 1));
        assertThat(blind.getLabelled()).isEqualTo(reviewedOnly.size());
        assertThat(blind.getPopulation()).isNull();
        assertThat(audited.getPopulation()).isNotNull();
        assertThat(audited.getPopulation().getLabels()).isPositive();
    }

    @Test
    void temperaturesAreFittedOnlyOnAtLeastTheMinimumOfDesignLabels() {
        List<LabelledDecision> window = CalibrationReportsRiskTest.window(400, 4);
        long design = window.stream().filter(d -> !d.routing.equals("AUTO")).count();
        CalibrationReport enough = CalibrationReports.build(window, 0, 1000, spec(true, (int) design));
        CalibrationReport tooFew = CalibrationReports.build(window, 0, 1000, spec(true, (int) design + 1));
        assertThat(enough.getRecalibration()).isNotNull();
        assertThat(enough.getRecalibration().getFittedOn()).isEqualTo(design);
        assertThat(tooFew.getRecalibration()).isNull();
        // the window is still reported, with all its labels
        assertThat(tooFew.getLabelled()).isEqualTo(window.size());
    }
}
