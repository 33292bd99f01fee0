package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.risk.HeldOutRisk;
import io.bayesvlm.core.risk.RiskControlledThreshold;
import io.bayesvlm.flink.records.LabelledDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The risk section of a calibration report is the core procedure applied to the window's design labels. */
public class CalibrationReportsRiskTest {

    public static List<LabelledDecision> window(int n, long seed) {
        Random rng = new Random(seed);
        List<LabelledDecision> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double q = 0.5 + 0.5 * Math.sqrt(rng.nextDouble());
            boolean review = q < 0.8;
            boolean audited = !review && rng.nextDouble() < 0.1;
            LabelledDecision d = new LabelledDecision();
            d.eventId = "e" + i;
            d.eventTime = i;
            d.modelName = "m";
            d.modelVersion = "1";
            d.probs = new double[] {q, 1 - q};
            d.mapProbs = d.probs;
            d.label = rng.nextDouble() < q * q ? 0 : 1;
            d.routing = review ? "REVIEW" : audited ? "AUDIT" : "AUTO";
            d.labelSource = review ? "REVIEWER" : audited ? "AUDIT" : "GROUND_TRUTH";
            d.labelPropensity = review ? 1 : 0.1;
            d.routingScore = "max_prob";
            d.routingValue = q;
            items.add(d);
        }
        return items;
    }

    @Test
    void theReportCarriesTheThresholdTheCoreProcedureChoosesFromTheDesignLabels() {
        CalibrationReports.RiskSpec spec = new CalibrationReports.RiskSpec(UncertaintyScore.MAX_PROB, 0.1, 0.05, 0.1);
        List<LabelledDecision> items = window(20_000, 4);
        CalibrationReport r = CalibrationReports.build(items, 10, 0, 1000, spec, false);

        List<RiskControlledThreshold.Item> design = items.stream()
                .filter(d -> !d.routing.equals("AUTO"))
                .map(d -> new RiskControlledThreshold.Item(
                        d.routingValue, d.label != 0, d.labelPropensity, d.eventId.hashCode()))
                .toList();
        double[] grid = HeldOutRisk.grid(
                design.stream()
                        .mapToDouble(RiskControlledThreshold.Item::confidence)
                        .toArray(),
                200);
        RiskControlledThreshold.Result expected = RiskControlledThreshold.choose(design, grid, 0.1, 0.05, 0.1, 1000);

        assertThat(expected.vouches()).isTrue();
        assertThat(r.getRisk().getScore()).isEqualTo("max_prob");
        assertThat(r.getRisk().getThreshold()).isEqualTo(expected.threshold());
        assertThat(r.getRisk().getUpperBound()).isEqualTo(expected.upperBound()).isLessThanOrEqualTo(0.1);
        assertThat(r.getRisk().getDesignLabels()).isEqualTo(design.size());
        assertThat(r.getRisk().getLabelsAtThreshold()).isEqualTo(expected.labels());
    }

    @Test
    void aWindowWithTooFewLabelsVouchesForNothing() {
        CalibrationReports.RiskSpec spec = new CalibrationReports.RiskSpec(UncertaintyScore.MAX_PROB, 0.02, 0.05, 0.1);
        CalibrationReport r = CalibrationReports.build(window(200, 5), 10, 0, 1000, spec, false);
        assertThat(r.getRisk().getThreshold()).isNull();
        assertThat(r.getRisk().getUpperBound()).isNull();
        // and no risk section at all outside risk mode
        assertThat(CalibrationReports.build(window(200, 5), 10, 0, 1000).getRisk())
                .isNull();
    }

    @Test
    void recalibrationFitsWeightedTemperaturesAndComparesEarlierOnesOnlyOnItemsTheyWereNotFittedOn() {
        List<LabelledDecision> items = window(3000, 6);
        for (int i = 0; i < items.size(); i++) {
            LabelledDecision d = items.get(i);
            if (i % 2 == 0) { // decided with the temperatures of version 1500 (fitted on a window that ended then)
                d.calibrationVersion = 1500;
                d.recalibratedProbs = io.bayesvlm.core.metrics.TemperatureScaling.apply(
                        io.bayesvlm.core.metrics.TemperatureScaling.logitsOf(d.probs), 1.3);
                d.recalibratedMapProbs = d.recalibratedProbs;
            }
        }
        CalibrationReport r = CalibrationReports.build(items, 10, 0, 3000, null, true);
        List<LabelledDecision> design =
                items.stream().filter(d -> !d.routing.equals("AUTO")).toList();
        double expected = io.bayesvlm.core.metrics.TemperatureScaling.fit(
                design.stream()
                        .map(d -> io.bayesvlm.core.metrics.TemperatureScaling.logitsOf(d.probs))
                        .toList(),
                design.stream().mapToInt(d -> d.label).toArray(),
                design.stream().mapToDouble(d -> 1 / d.labelPropensity).toArray());
        assertThat(r.getRecalibration().getVersion()).isEqualTo(3000);
        assertThat(r.getRecalibration().getTemperatureBayes()).isEqualTo(expected);
        assertThat(r.getRecalibration().getFittedOn()).isEqualTo(design.size());
        // held out: version 1500 applied to items at event time >= 1500 only (even indices 1500..2998)
        List<LabelledDecision> held = items.stream()
                .filter(d -> d.calibrationVersion == 1500 && d.eventTime >= 1500)
                .toList();
        assertThat(r.getRecalibration().getHeldOut()).isEqualTo(held.size()).isEqualTo(750);
        int[] y = held.stream().mapToInt(d -> d.label).toArray();
        assertThat(r.getRecalibration().getEceBayesRecalibrated())
                .isEqualTo(io.bayesvlm.core.metrics.Calibration.evaluate(
                                held.stream().map(d -> d.recalibratedProbs).toList(), y, 10)
                        .ece());
        assertThat(r.getRecalibration().getEceBayes())
                .isEqualTo(io.bayesvlm.core.metrics.Calibration.evaluate(
                                held.stream().map(d -> d.probs).toList(), y, 10)
                        .ece());
        assertThat(CalibrationReports.build(items, 10, 0, 3000).getRecalibration())
                .isNull();
    }
}
