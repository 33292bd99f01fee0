package io.bayesvlm.flink.records;

import io.bayesvlm.core.failure.CrossFitting;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The learned failure predictor's standing after a window of design labels closed ({@link CrossFitting.Selection}):
 * which score the routing should use, the candidate judged and every compared score's held-out review rate on that
 * window, and, when {@code learned} won, the predictor itself in its compact form. A Flink POJO.
 */
public class FailureSelection {
    public String modelKey;

    public String modelName;
    public String modelVersion;
    /** Design labels received so far for this model (the judged window ends here). */
    public long labels;

    public String score;
    /** The candidate judged on the window (0: none was trained yet) and its version string. */
    public long candidate;

    public String candidateVersion;
    /**
     * The latest event time of a decision whose label had reached the cross-fitting when this was written: the
     * candidate was trained on none later, so its certification uses only decisions after it.
     */
    public long labelledUpTo = Long.MIN_VALUE;

    public long judgedFrom;
    public long judgedTo;
    public String[] scores;
    public double[] heldOutReviewRates;
    /** {@code learned} won: the predictor ({@code FailurePredictor.write}); else null. */
    public byte[] predictor;

    public FailureSelection() {}

    public static FailureSelection of(String modelName, String modelVersion, long labels, CrossFitting.Selection s) {
        FailureSelection f = new FailureSelection();
        f.modelKey = io.bayesvlm.core.model.ModelSpec.key(modelName, modelVersion);
        f.modelName = modelName;
        f.modelVersion = modelVersion;
        f.labels = labels;
        f.score = s.score();
        f.candidate = s.candidateVersion();
        f.candidateVersion = s.judged() == null ? null : s.judged().version();
        f.judgedFrom = s.judgedFrom();
        f.judgedTo = s.judgedTo();
        f.scores = s.heldOutReviewRate().keySet().toArray(String[]::new);
        f.heldOutReviewRates = new double[f.scores.length];
        int i = 0;
        for (Map.Entry<String, Double> e : s.heldOutReviewRate().entrySet()) {
            f.heldOutReviewRates[i++] = e.getValue();
        }
        if (s.predictor() != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                s.predictor().write(new DataOutputStream(bytes));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            f.predictor = bytes.toByteArray();
        }
        return f;
    }

    /** The held-out review rate of a score on the judged window, NaN if it was not compared. */
    public double reviewRate(String name) {
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].equals(name)) {
                return heldOutReviewRates[i];
            }
        }
        return Double.NaN;
    }
}
