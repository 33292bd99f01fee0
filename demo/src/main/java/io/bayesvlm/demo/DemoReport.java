package io.bayesvlm.demo;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.head.Uncertainty;
import io.bayesvlm.core.metrics.RunningCalibration;
import io.bayesvlm.flink.JobConfig;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the demo reports: the live status line and the closing summary, per phase against the replay's ground truth.
 * Running summaries only (sums per calibration bin, counts), never a record per event: the demo's own memory stays
 * flat however long it runs, so a long demo is a soak test of the job alone.
 */
final class DemoReport {

    /** Running figures of one phase (clean or drifted); guarded by the report's lock. */
    static final class Phase {
        final RunningCalibration bayes;
        final RunningCalibration map;
        long reviewed;
        long auto;
        long autoWrong;
        /** Automatic decisions and the wrong ones among them, by the threshold they were routed with. */
        final Map<Double, long[]> autoByThreshold = new java.util.HashMap<>();
        /** Decisions recalibrated with temperatures fitted on a window that ended before them (held out). */
        final RunningCalibration heldOutBayes;

        final RunningCalibration heldOutRecalibrated;
        final RunningCalibration heldOutMap;
        final RunningCalibration heldOutRecalibratedMap;

        Phase(int bins) {
            bayes = new RunningCalibration(bins);
            map = new RunningCalibration(bins);
            heldOutBayes = new RunningCalibration(bins);
            heldOutRecalibrated = new RunningCalibration(bins);
            heldOutMap = new RunningCalibration(bins);
            heldOutRecalibratedMap = new RunningCalibration(bins);
        }
    }

    private final Map<String, Phase> phases;
    final AtomicLong decided = new AtomicLong();
    final AtomicLong reviewed = new AtomicLong();
    final AtomicLong audited = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong labelsSent = new AtomicLong();
    final AtomicLong alerts = new AtomicLong();
    final AtomicLong driftWarnings = new AtomicLong();
    final AtomicLong firstDriftWarningAt = new AtomicLong(-1);
    final AtomicLong firstEceAlertAt = new AtomicLong(-1);
    final AtomicReference<CalibrationReport> lastReport = new AtomicReference<>();
    /** When the replay started (wall clock): warning times are reported from it. */
    volatile long startedAt;
    /** Every label-free warning (window end, reason), the first {@link #MAX_WARNINGS_LISTED}. */
    private final List<Warning> warnings = new java.util.ArrayList<>();

    /** A label-free warning: the end of its window and why. */
    private record Warning(long windowEnd, String reason) {}

    /** Risk certificates that changed the threshold or the epoch, in the order written (wall clock of reading). */
    private final List<Certificate> certificates = new java.util.ArrayList<>();

    private record Certificate(long readAt, RiskCertificate certificate) {}

    final AtomicReference<RiskCertificate> lastCertificate = new AtomicReference<>();

    /** Decisions and reviews by the score (and learned predictor) that routed them, in the order first seen. */
    private final Map<String, long[]> byScore = new java.util.LinkedHashMap<>();

    /** The event time each epoch began at, and the epoch each certified threshold was issued in. */
    private final Map<Long, Long> epochSince = new java.util.HashMap<>();

    private final Map<Double, Long> thresholdEpoch = new java.util.HashMap<>();

    static final int MAX_WARNINGS_LISTED = 50;

    DemoReport(int bins) {
        phases = Map.of(Replay.CLEAN, new Phase(bins), Replay.DRIFTED, new Phase(bins));
    }

    /** A decision; {@code truth} is null for events the demo does not know the label of. */
    void decision(Decision d, Replay.Truth truth) {
        decided.incrementAndGet();
        String routedBy = d.getRoutingScore() + (d.getRoutingPredictor() == null ? "" : " " + d.getRoutingPredictor());
        synchronized (this) {
            long[] counts = byScore.computeIfAbsent(routedBy, k -> new long[2]);
            counts[0]++;
            counts[1] += d.getRouting() == Routing.REVIEW ? 1 : 0;
        }
        if (d.getRouting() == Routing.REVIEW) {
            reviewed.incrementAndGet();
        } else if (d.getRouting() == Routing.AUDIT) {
            audited.incrementAndGet();
        }
        if (truth == null) {
            return;
        }
        int label = d.getClasses().indexOf(truth.label);
        double[] probs = toArray(d.getProbs());
        double[] mapProbs = toArray(d.getMapProbs());
        // recalibrated with temperatures fitted on a window that ended before this event: held out
        boolean heldOut =
                d.getCalibrationVersion() != null && d.getEventTime().toEpochMilli() >= d.getCalibrationVersion();
        Phase p = phases.get(truth.phase);
        synchronized (this) {
            p.bayes.add(probs, label);
            p.map.add(mapProbs, label);
            if (d.getRouting() == Routing.REVIEW) {
                p.reviewed++;
            } else {
                boolean wrong = Uncertainty.argmax(probs) != label;
                p.auto++;
                p.autoWrong += wrong ? 1 : 0;
                long[] byThreshold = p.autoByThreshold.computeIfAbsent(d.getRoutingThreshold(), t -> new long[2]);
                byThreshold[0]++;
                byThreshold[1] += wrong ? 1 : 0;
            }
            if (heldOut) {
                p.heldOutBayes.add(probs, label);
                p.heldOutRecalibrated.add(toArray(d.getRecalibratedProbs()), label);
                p.heldOutMap.add(mapProbs, label);
                p.heldOutRecalibratedMap.add(toArray(d.getRecalibratedMapProbs()), label);
            }
        }
    }

    void calibration(CalibrationReport report, long driftStartedAt) {
        lastReport.set(report);
        if (report.getAlert()) {
            alerts.incrementAndGet();
            if (report.getWindowEnd().toEpochMilli() > driftStartedAt) {
                firstEceAlertAt.compareAndSet(-1, System.currentTimeMillis());
            }
        }
    }

    /** A risk certificate: kept when the threshold or the epoch changed. */
    void certificate(RiskCertificate c) {
        RiskCertificate before = lastCertificate.getAndSet(c);
        synchronized (this) {
            epochSince.putIfAbsent(c.getEpoch(), c.getSince().toEpochMilli());
            if (c.getThreshold() != null) {
                thresholdEpoch.putIfAbsent(c.getThreshold(), c.getEpoch());
            }
        }
        if (before == null
                || before.getEpoch() != c.getEpoch()
                || !java.util.Objects.equals(before.getThreshold(), c.getThreshold())) {
            synchronized (this) {
                if (certificates.size() < MAX_WARNINGS_LISTED) {
                    certificates.add(new Certificate(System.currentTimeMillis(), c));
                }
            }
        }
    }

    void drift(DriftReport report, long driftStartedAt) {
        if (report.getWarning()) {
            driftWarnings.incrementAndGet();
            synchronized (this) {
                if (warnings.size() < MAX_WARNINGS_LISTED) {
                    warnings.add(new Warning(report.getWindowEnd().toEpochMilli(), report.getReason()));
                }
            }
            if (report.getWindowEnd().toEpochMilli() > driftStartedAt) {
                firstDriftWarningAt.compareAndSet(-1, System.currentTimeMillis());
            }
        }
    }

    /** The live status line. */
    String status(double seconds, String phase, long produced, JobConfig config) {
        long d = decided.get();
        CalibrationReport r = lastReport.get();
        String ece = r == null
                ? "rolling ECE: waiting for labelled windows"
                : String.format(
                        "rolling ECE (%ds window, %d labels): MAP %.3f  BayesVLM %.3f%s",
                        config.calibration().windowSize().toSeconds(),
                        r.getLabelled(),
                        r.getMap().getEce(),
                        r.getBayes().getEce(),
                        r.getAlert() ? "  ALERT" : "");
        return String.format(
                "%5.0fs %-7s in %6d (%5.1f/s)  decided %6d  review %5.1f%%  dead %3d | %s",
                seconds,
                phase,
                produced,
                produced / Math.max(seconds, 1e-9),
                d,
                d == 0 ? 0.0 : 100.0 * reviewed.get() / d,
                deadLettered.get(),
                ece);
    }

    synchronized void summary(PrintStream out, JobConfig config, DemoOptions options, Replay replay) {
        out.println();
        out.println("=== Summary ===");
        long d = decided.get();
        out.printf(
                "events in %d (of which %d deliberately corrupt), decided %d, routed to review %d (%.1f%%) on the"
                        + " score %s, audited %d, dead-lettered %d, labels sent %d, calibration alerts %d%n",
                replay.produced.get(),
                replay.producedBad.get(),
                d,
                reviewed.get(),
                d == 0 ? 0.0 : 100.0 * reviewed.get() / d,
                config.failure().auto()
                        ? "auto (from " + config.routing().score().jsonName() + ")"
                        : config.routing().score().jsonName(),
                audited.get(),
                deadLettered.get(),
                labelsSent.get(),
                alerts.get());
        out.printf(
                "drift: %s, severity %d, in the second half%s%n",
                options.drift().id(),
                options.severity(),
                options.relabel().isEmpty() ? "" : "; relabelled from the start: " + options.relabel());
        out.printf("routed by: %s%n%n", routedBy());
        out.println("phase     decided  accuracy  ECE MAP  ECE BayesVLM  NLL MAP  NLL BayesVLM  review rate");
        for (String name : List.of(Replay.CLEAN, Replay.DRIFTED)) {
            Phase p = phases.get(name);
            long n = p.bayes.count();
            if (n == 0) {
                out.printf("%-8s  %7d%n", name, 0);
                continue;
            }
            out.printf(
                    "%-8s  %7d  %8.3f  %7.3f  %12.3f  %7.3f  %12.3f  %10.1f%%%n",
                    name,
                    n,
                    p.bayes.accuracy(),
                    p.map.ece(),
                    p.bayes.ece(),
                    p.map.nll(),
                    p.bayes.nll(),
                    100.0 * p.reviewed / n);
        }
        Phase clean = phases.get(Replay.CLEAN);
        Phase drifted = phases.get(Replay.DRIFTED);
        if (clean.bayes.count() > 0 && drifted.bayes.count() > 0) {
            double mapRise = drifted.map.ece() - clean.map.ece();
            double bayesRise = drifted.bayes.ece() - clean.bayes.ece();
            out.printf("%nUnder drift, ECE rose by %+.3f for MAP and by %+.3f for BayesVLM", mapRise, bayesRise);
            if (mapRise > 0) {
                out.printf(" (%.0f%% less for BayesVLM)", 100 * (1 - bayesRise / mapRise));
            }
            out.printf(
                    ".%nIn the drifted phase BayesVLM's ECE is %.3f against MAP's %.3f.%n",
                    drifted.bayes.ece(), drifted.map.ece());
        }
        riskAndDrift(out, config, options, replay.driftStartedAt.get());
        CalibrationReport r = lastReport.get();
        if (r != null) {
            out.printf(
                    "Last rolling report from the job: window %s..%s, %d labelled, ECE MAP %.3f BayesVLM %.3f%s%n",
                    r.getWindowStart(),
                    r.getWindowEnd(),
                    r.getLabelled(),
                    r.getMap().getEce(),
                    r.getBayes().getEce(),
                    r.getAuditEceBayes() == null
                            ? ""
                            : String.format(", audit-only ECE BayesVLM %.3f", r.getAuditEceBayes()));
        }
        out.println("(Per-phase figures: every decided event against the replay's ground truth, computed with the core"
                + " library. The job's rolling reports use the reviewer and audit labels only.)");
    }

    /** The guarantee, what it delivered per phase against the replay's truth, and how fast each signal saw the drift. */
    private void riskAndDrift(PrintStream out, JobConfig config, DemoOptions options, long driftStartedAt) {
        JobConfig.RoutingOptions routing = config.routing();
        if (routing.risk()) {
            out.printf(
                    "%nRisk control: error among automatic decisions <= %.3f, failing with probability at most %.2f"
                            + " (%s); latest threshold: %s%n",
                    routing.maxAutoError(),
                    routing.riskDelta(),
                    routing.certifySequence()
                            ? "at every time of a certificate, while the stream is stationary"
                            : "per calibration window",
                    latestThreshold(routing));
            out.printf(
                    "  people's load: %d reviews and %d audits of %d decisions (%.1f%%)%n",
                    reviewed.get(),
                    audited.get(),
                    decided.get(),
                    decided.get() == 0 ? 0.0 : 100.0 * (reviewed.get() + audited.get()) / decided.get());
            for (String name : List.of(Replay.CLEAN, Replay.DRIFTED)) {
                Phase p = phases.get(name);
                long n = p.bayes.count();
                double error = p.auto == 0 ? Double.NaN : (double) p.autoWrong / p.auto;
                // within two binomial standard errors of alpha: the realised rate of a guarantee that holds
                double twoSe =
                        2 * Math.sqrt(routing.maxAutoError() * (1 - routing.maxAutoError()) / Math.max(1, p.auto));
                out.printf(
                        "  %-8s review rate %5.1f%%, decided automatically %5d, realised error among them %s%n",
                        name,
                        n == 0 ? 0.0 : 100.0 * p.reviewed / n,
                        p.auto,
                        p.auto == 0
                                ? "-"
                                : String.format(
                                        "%.3f (%s alpha + 2 SE = %.3f)",
                                        error,
                                        error <= routing.maxAutoError() + twoSe ? "within" : "ABOVE",
                                        routing.maxAutoError() + twoSe));
                if (name.equals(Replay.DRIFTED)
                        && options.drift() != io.bayesvlm.core.data.ImageShift.NONE
                        && routing.certifySequence()
                        && p.auto > 0) {
                    transition(out, p, driftStartedAt);
                }
            }
            synchronized (this) {
                for (Certificate c : certificates) {
                    RiskCertificate r = c.certificate();
                    out.printf(
                            "  certificate at %+.1f s: epoch %d, %s%s (%d labels tested, completeness %.3f)%s%n",
                            (c.readAt() - startedAt) / 1000.0,
                            r.getEpoch(),
                            r.getState(),
                            r.getThreshold() == null
                                    ? ""
                                    : " " + automaticWhen(r.getScore(), r.getThreshold())
                                            + (r.getPredictor() == null ? "" : " (" + r.getPredictor() + ")"),
                            r.getTested(),
                            r.getLabelCompleteness(),
                            r.getTested() == 0 && !r.getReason().equals("start") ? ", after " + r.getReason() : "");
                }
            }
        }
        if (config.calibration().recalibrate()) {
            out.println("Online recalibration (temperatures refitted per window; ECE on decisions made after the fit,"
                    + " so never on the labels it was fitted on):");
            for (String name : List.of(Replay.CLEAN, Replay.DRIFTED)) {
                Phase p = phases.get(name);
                if (p.heldOutBayes.count() == 0) {
                    out.printf("  %-8s no recalibrated decisions yet%n", name);
                    continue;
                }
                out.printf(
                        "  %-8s %5d decisions: ECE BayesVLM %.3f -> %.3f recalibrated, MAP %.3f -> %.3f recalibrated%n",
                        name,
                        p.heldOutBayes.count(),
                        p.heldOutBayes.ece(),
                        p.heldOutRecalibrated.ece(),
                        p.heldOutMap.ece(),
                        p.heldOutRecalibratedMap.ece());
            }
        }
        // Every label-free warning, those before the drift too: one in the clean phase is a false alarm.
        long falseAlarms = 0;
        for (Warning w : warnings) {
            long end = w.windowEnd();
            boolean clean = end <= driftStartedAt;
            falseAlarms += clean ? 1 : 0;
            out.printf(
                    "  label-free warning, window ending at %+.1f s (%s): %s%n",
                    (end - startedAt) / 1000.0,
                    clean ? "clean phase: a false alarm" : "after the drift began",
                    w.reason());
        }
        out.printf(
                "Label-free warnings: %d in all, %d of them in the clean phase (false alarms)%s%n",
                driftWarnings.get(),
                falseAlarms,
                driftWarnings.get() > MAX_WARNINGS_LISTED ? " (the first " + MAX_WARNINGS_LISTED + " listed)" : "");
        if (driftStartedAt != Long.MAX_VALUE) {
            out.printf(
                    "Drift detection after the drift began: label-free warning %s, labelled ECE alert %s"
                            + " (%d drift warnings in all)%n",
                    firstDriftWarningAt.get() < 0
                            ? "none"
                            : String.format("after %.1f s", (firstDriftWarningAt.get() - driftStartedAt) / 1000.0),
                    firstEceAlertAt.get() < 0
                            ? "none"
                            : String.format("after %.1f s", (firstEceAlertAt.get() - driftStartedAt) / 1000.0),
                    driftWarnings.get());
        }
    }

    /** Each score (learned: with its version) that routed decisions: how many, and the share it sent to review. */
    private synchronized String routedBy() {
        List<String> parts = new java.util.ArrayList<>();
        byScore.forEach((score, c) -> parts.add(String.format(
                java.util.Locale.ROOT, "%s %d decisions (%.1f%% reviewed)", score, c[0], 100.0 * c[1] / c[0])));
        return parts.isEmpty() ? "-" : String.join("; ", parts);
    }

    /**
     * The drifted phase's automatic decisions split by where their certificate was earned: before the drift (decided
     * between the drift and its withdrawal, outside what the guarantee covers) or on data from after it.
     */
    private synchronized void transition(PrintStream out, Phase p, long driftStartedAt) {
        long[] before = new long[2];
        long[] after = new long[2];
        for (Map.Entry<Double, long[]> e : p.autoByThreshold.entrySet()) {
            Long epoch = thresholdEpoch.get(e.getKey());
            Long since = epoch == null ? null : epochSince.get(epoch);
            long[] into = since != null && since >= driftStartedAt ? after : before;
            into[0] += e.getValue()[0];
            into[1] += e.getValue()[1];
        }
        out.printf(
                "           of them on a certificate earned before the drift (until its withdrawal) %d, error %s;"
                        + " on certificates earned after it %d, error %s%n",
                before[0],
                before[0] == 0 ? "-" : String.format("%.3f", (double) before[1] / before[0]),
                after[0],
                after[0] == 0 ? "-" : String.format("%.3f", (double) after[1] / after[0]));
    }

    /**
     * Which side of a threshold is decided automatically, on the score's own scale: max_prob >= t, but entropy or the
     * learned P(wrong) <= t.
     */
    static String automaticWhen(String score, double threshold) {
        boolean uncertainty = io.bayesvlm.core.head.RoutingScore.fromName(score).higherIsUncertain();
        return String.format(java.util.Locale.ROOT, "%s %s %.4f", score, uncertainty ? "<=" : ">=", threshold);
    }

    /** The threshold in force: the latest certificate's, or (routing.certify=window) the latest window's. */
    private String latestThreshold(JobConfig.RoutingOptions routing) {
        if (routing.certifySequence()) {
            RiskCertificate c = lastCertificate.get();
            return c == null || c.getThreshold() == null
                    ? "none (everything reviewed)"
                    : String.format(
                            "%s (certified on %d labels %s)",
                            automaticWhen(c.getScore(), c.getThreshold()),
                            c.getTested(),
                            c.getEpoch() == 0 ? "since the job started" : "since " + c.getSince());
        }
        CalibrationReport last = lastReport.get();
        return last == null || last.getRisk() == null || last.getRisk().getThreshold() == null
                ? "none (everything reviewed)"
                : String.format(
                        "%s (bound %.4f on %d labels)",
                        automaticWhen(routing.score().jsonName(), last.getRisk().getThreshold()),
                        last.getRisk().getUpperBound(),
                        last.getRisk().getLabelsAtThreshold());
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
