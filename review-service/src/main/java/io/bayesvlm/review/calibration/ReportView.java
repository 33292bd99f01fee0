package io.bayesvlm.review.calibration;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.CalibrationStats;
import io.bayesvlm.avro.ReliabilityBin;
import io.bayesvlm.common.ModelKey;
import java.util.ArrayList;
import java.util.List;

/**
 * What the dashboard shows of one {@link CalibrationReport}: the window, counts, review rate, MAP and BayesVLM
 * statistics with their reliability bins, audit-only ECE, the population ECE with its 95% interval, and the alert. The value of the
 * {@code calibration-history} store, as JSON.
 */
public record ReportView(
        String model,
        long windowStart,
        long windowEnd,
        long decided,
        long reviewed,
        long labelled,
        long audited,
        double reviewRate,
        Stats map,
        Stats bayes,
        Double auditEceMap,
        Double auditEceBayes,
        Double populationEceMap,
        Double populationEceBayes,
        Double populationEceBayesLower,
        Double populationEceBayesUpper,
        boolean alert,
        int windowsOverThreshold) {

    public record Stats(
            long count,
            double accuracy,
            double meanConfidence,
            double ece,
            double mce,
            double brier,
            double nll,
            List<Bin> bins) {}

    public record Bin(double lo, double hi, long count, Double accuracy, Double confidence) {}

    public static ReportView of(CalibrationReport r) {
        var p = r.getPopulation();
        return new ReportView(
                ModelKey.of(r.getModelName(), r.getModelVersion()),
                r.getWindowStart().toEpochMilli(),
                r.getWindowEnd().toEpochMilli(),
                r.getDecided(),
                r.getReviewed(),
                r.getLabelled(),
                r.getAudited(),
                r.getReviewRate(),
                stats(r.getMap()),
                stats(r.getBayes()),
                r.getAuditEceMap(),
                r.getAuditEceBayes(),
                p == null ? null : p.getMap().getEce(),
                p == null ? null : p.getBayes().getEce(),
                p == null ? null : p.getBayes().getEceLower(),
                p == null ? null : p.getBayes().getEceUpper(),
                r.getAlert(),
                r.getWindowsOverThreshold());
    }

    private static Stats stats(CalibrationStats s) {
        List<Bin> bins = new ArrayList<>();
        for (ReliabilityBin b : s.getBins()) {
            bins.add(new Bin(b.getLo(), b.getHi(), b.getCount(), b.getAccuracy(), b.getConfidence()));
        }
        return new Stats(
                s.getCount(),
                s.getAccuracy(),
                s.getMeanConfidence(),
                s.getEce(),
                s.getMce(),
                s.getBrier(),
                s.getNll(),
                bins);
    }
}
