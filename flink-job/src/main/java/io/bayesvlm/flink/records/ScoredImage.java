package io.bayesvlm.flink.records;

/** A decoded image with its BayesVLM prediction, before routing. A Flink POJO. */
public class ScoredImage {
    public String eventId;
    public long eventTime;
    public boolean eventTimeOutOfRange;
    /** Where the event came from (no value), for the review request's claim check. */
    public RawRecord origin;

    public String source;
    public byte[] image;
    public long readAtMillis;
    public int predicted;
    public double[] probs;
    public double[] mapProbs;
    public double[] logitsMean;
    public double[] logitsVar;
    /** The six uncertainty scores in {@link io.bayesvlm.core.head.UncertaintyScore} order. */
    public double[] uncertainty;
    /** routing.score=learned: P(wrong) under the failure predictor, and that predictor's version; else NaN, null. */
    public double failureProbability = Double.NaN;

    public String failurePredictor;
    /** failure.learn: the image embedding's mean, what the failure predictor learns from; else null. */
    public float[] imageMean;

    public ScoredImage() {}

    /** This image's value of a routing score, on the score's own scale. */
    public double valueOf(io.bayesvlm.core.head.RoutingScore score) {
        return score == io.bayesvlm.core.head.RoutingScore.LEARNED
                ? failureProbability
                : uncertainty[((io.bayesvlm.core.head.UncertaintyScore) score).ordinal()];
    }
}
