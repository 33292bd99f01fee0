package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.risk.AuditDraw;
import io.bayesvlm.flink.JobConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decides, from one uncertainty score, whether an item is decided automatically, sent to review as uncertain,
 * or (when confident) sampled for an audit.
 *
 * <ul>
 *   <li>Threshold mode: review when the score is on the uncertain side of {@code routing.threshold}.</li>
 *   <li>Target-rate mode: the threshold is the (1 − rate) quantile of the last {@code quantile-window} scores
 *       (oriented so that higher = more uncertain), so about that fraction of items is reviewed however the
 *       score's scale drifts. Until 50 scores have been seen, the fixed threshold applies.</li>
 *   <li>Risk mode: the threshold is the one a calibration window vouched for ({@link #vouch}); until one has, and
 *       whenever the latest window could not vouch for any, every item is reviewed.</li>
 *   <li>Audits: a confident item is audited when the keyed draw of its event id ({@link AuditDraw}: HMAC-SHA256
 *       with routing.audit-key), in [0, 1), is below {@code audit-fraction}: deterministic, so a replay audits the
 *       same items; independent of the score; and not predictable by a producer who chooses its ids.</li>
 * </ul>
 * The recent scores are the policy's only state ({@link #snapshot()} / {@link #restore}).
 */
public final class RoutingPolicy implements Serializable {
    private static final long serialVersionUID = 1L;
    static final int MIN_HISTORY = 50;
    private static final int RECOMPUTE_EVERY = 25;

    private final JobConfig.RoutingOptions config;
    private final double[] ring;
    private int size;
    private int next;
    private int sinceRecompute = RECOMPUTE_EVERY;
    private double quantile = Double.NaN;
    /** Risk mode: review above this uncertainty; −∞ (review everything) until a window vouches for a threshold. */
    private double vouched = Double.NEGATIVE_INFINITY;

    /** The outcome for one item; {@code threshold} is on the score's own scale. */
    public record Outcome(Routing routing, double threshold) {}

    public RoutingPolicy(JobConfig.RoutingOptions config) {
        this.config = config;
        this.ring = new double[config.quantileWindow()];
    }

    public Outcome route(String eventId, double scoreValue) {
        double u = config.score().uncertainty(scoreValue);
        double threshold = currentUncertaintyThreshold();
        if (!Double.isFinite(u)) {
            // Inference dead-letters non-finite predictions before routing; should one get here all the same, a
            // NaN compares false with every threshold and would be decided automatically. It goes to a person,
            // and stays out of the quantile window.
            return new Outcome(Routing.REVIEW, config.score().uncertainty(threshold));
        }
        if (config.targetRate()) {
            remember(u);
        }
        // Report the threshold on the score's own scale (uncertainty() only flips the sign).
        double onScale = config.score().uncertainty(threshold);
        if (u > threshold) {
            return new Outcome(Routing.REVIEW, onScale);
        }
        if (config.auditFraction() > 0 && config.audit().draw(eventId) < config.auditFraction()) {
            return new Outcome(Routing.AUDIT, onScale);
        }
        return new Outcome(Routing.AUTO, onScale);
    }

    /**
     * Risk mode: from now on decide automatically only items on the confident side of {@code threshold}, a value
     * on the routing score's own scale as the calibration report carries it (max_prob ≥ 0.9, entropy ≤ 0.3, ...);
     * NaN: nothing is vouched for, review everything.
     */
    public void vouch(double threshold) {
        vouched = Double.isNaN(threshold)
                ? Double.NEGATIVE_INFINITY
                : config.score().uncertainty(threshold);
    }

    /** The threshold in effect, oriented so that higher = more uncertain. */
    double currentUncertaintyThreshold() {
        if (config.risk()) {
            return vouched;
        }
        double fixed = config.score().uncertainty(config.threshold());
        if (!config.targetRate() || size < Math.min(MIN_HISTORY, ring.length)) {
            return fixed;
        }
        if (sinceRecompute >= RECOMPUTE_EVERY || Double.isNaN(quantile)) {
            double[] sorted = Arrays.copyOf(ring, size);
            Arrays.sort(sorted);
            // The k-th largest value with k = ceil(rate · n): items strictly above it are reviewed.
            int k = (int) Math.ceil(config.targetReviewRate() * size);
            quantile = k <= 0 ? Double.POSITIVE_INFINITY : sorted[size - k];
            sinceRecompute = 0;
        }
        sinceRecompute++;
        return quantile;
    }

    private void remember(double u) {
        ring[next] = u;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /** Recent scores, oldest first. */
    public List<Double> snapshot() {
        List<Double> out = new ArrayList<>(size);
        int start = size < ring.length ? 0 : next;
        for (int i = 0; i < size; i++) {
            out.add(ring[(start + i) % ring.length]);
        }
        return out;
    }

    public void restore(Iterable<Double> scores) {
        size = 0;
        next = 0;
        for (double u : scores) {
            remember(u);
        }
        sinceRecompute = RECOMPUTE_EVERY;
    }
}
