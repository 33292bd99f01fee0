package io.bayesvlm.flink.records;

import io.bayesvlm.core.failure.CrossFitting;

/**
 * One design label for the learned failure predictor: a decision's {@link FailureObservation}, whether its
 * prediction was wrong, and its weight (1 / the probability that it was labelled). A Flink POJO.
 */
public class LabelledFailure {
    public FailureObservation observation;
    public boolean wrong;
    public double weight;

    public LabelledFailure() {}

    public static LabelledFailure of(FailureObservation o, boolean wrong, double weight) {
        LabelledFailure l = new LabelledFailure();
        l.observation = o;
        l.wrong = wrong;
        l.weight = weight;
        return l;
    }

    public CrossFitting.Label label() {
        return new CrossFitting.Label(observation.input(), wrong, weight);
    }
}
