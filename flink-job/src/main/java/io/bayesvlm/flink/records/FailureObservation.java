package io.bayesvlm.flink.records;

import io.bayesvlm.core.failure.FailureInput;

/**
 * What the learned failure predictor reads of one decision that may get a label (REVIEW or AUDIT): the unit image
 * embedding, the predicted class, the head's logit means and variances and its six scores. Decisions do not carry
 * the embedding (2 KB for ViT-B/32, on every decision of a public topic), so this travels beside them to
 * {@code JoinFailureInputs}. A Flink POJO.
 */
public class FailureObservation {
    public String eventId;
    /** model name/version. */
    public String modelKey;
    /** The decision's event time and routing (REVIEW or AUDIT): the certification's design sample is read from them. */
    public long eventTime;

    public String routing;

    public double[] image;
    public int predicted;
    public double[] logitsMean;
    public double[] logitsVar;
    public double[] scores;

    public FailureObservation() {}

    public static FailureObservation of(
            String eventId, String modelKey, long eventTime, String routing, FailureInput in) {
        FailureObservation o = new FailureObservation();
        o.eventId = eventId;
        o.modelKey = modelKey;
        o.eventTime = eventTime;
        o.routing = routing;
        o.image = in.image();
        o.predicted = in.predicted();
        o.logitsMean = in.logitsMean();
        o.logitsVar = in.logitsVar();
        o.scores = in.scores();
        return o;
    }

    public FailureInput input() {
        return new FailureInput(image, predicted, logitsMean, logitsVar, scores);
    }
}
