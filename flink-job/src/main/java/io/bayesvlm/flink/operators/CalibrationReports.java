package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.CalibrationStats;
import io.bayesvlm.avro.ReliabilityBin;
import io.bayesvlm.core.metrics.Calibration;
import io.bayesvlm.flink.model.LabelledDecision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a CalibrationReport from labelled decisions with the core library's {@link Calibration}: the same code
 * that {@code bayesvlm evaluate} and any offline check use, so the numbers agree exactly.
 */
public final class CalibrationReports {

    private CalibrationReports() {}

    public static CalibrationReport build(Iterable<LabelledDecision> items, int bins, long windowStart, long windowEnd) {
        List<double[]> bayes = new ArrayList<>();
        List<double[]> map = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<double[]> auditBayes = new ArrayList<>();
        List<double[]> auditMap = new ArrayList<>();
        List<Integer> auditLabels = new ArrayList<>();
        long reviewed = 0;
        String name = "";
        String version = "";
        for (LabelledDecision d : items) {
            name = d.modelName;
            version = d.modelVersion;
            bayes.add(d.probs);
            map.add(d.mapProbs);
            labels.add(d.label);
            if ("REVIEW".equals(d.routing)) {
                reviewed++;
            }
            if ("AUDIT".equals(d.labelSource)) {
                auditBayes.add(d.probs);
                auditMap.add(d.mapProbs);
                auditLabels.add(d.label);
            }
        }
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        int[] ay = auditLabels.stream().mapToInt(Integer::intValue).toArray();
        long n = y.length;
        return CalibrationReport.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(windowStart))
                .setWindowEnd(Instant.ofEpochMilli(windowEnd))
                .setModelName(name)
                .setModelVersion(version)
                .setDecided(n)
                .setReviewed(reviewed)
                .setLabelled(n)
                .setAudited(ay.length)
                .setReviewRate(n == 0 ? 0 : (double) reviewed / n)
                .setMap(stats(Calibration.evaluate(map, y, bins)))
                .setBayes(stats(Calibration.evaluate(bayes, y, bins)))
                .setAuditEceMap(ay.length == 0 ? null : Calibration.evaluate(auditMap, ay, bins).ece())
                .setAuditEceBayes(ay.length == 0 ? null : Calibration.evaluate(auditBayes, ay, bins).ece())
                .setAlert(false)
                .setWindowsOverThreshold(0)
                .build();
    }

    static CalibrationStats stats(Calibration.Report r) {
        List<ReliabilityBin> bins = new ArrayList<>();
        for (Calibration.Bin b : r.bins()) {
            bins.add(new ReliabilityBin(b.lo(), b.hi(), b.count(), b.count() == 0 ? null : b.accuracy(),
                    b.count() == 0 ? null : b.confidence()));
        }
        return CalibrationStats.newBuilder()
                .setCount(r.count())
                .setAccuracy(r.accuracy())
                .setMeanConfidence(r.meanConfidence())
                .setEce(r.ece())
                .setMce(r.mce())
                .setBrier(r.brier())
                .setNll(r.nll())
                .setBins(bins)
                .build();
    }
}
