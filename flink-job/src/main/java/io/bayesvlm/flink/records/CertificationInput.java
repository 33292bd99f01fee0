package io.bayesvlm.flink.records;

/**
 * What the certifying operator hears, keyed by model: a design-sample item was routed, its label came back, or the
 * label-free check warned. One type so that the three streams can be one keyed input. A Flink POJO.
 */
public class CertificationInput {
    public static final int DECIDED = 0;
    public static final int LABELLED = 1;
    public static final int WARNING = 2;
    /** routing.score=auto: a design-sample item as the failure predictor sees it (any score's confidence follows). */
    public static final int OBSERVED = 3;
    /** routing.score=auto: the cross-fitting judged a window and selected a score. */
    public static final int SELECTION = 4;

    public int kind;
    public String modelKey;
    /** DECIDED, LABELLED. */
    public String eventId;
    /** DECIDED: the decision's event time; WARNING: the end of the window that warned. */
    public long eventTime;
    /** DECIDED: the routing score as a confidence (higher = surer). */
    public double confidence = Double.NaN;
    /** LABELLED: whether the decision was wrong. */
    public boolean wrong;
    /** WARNING: which statistics moved. */
    public String reason;
    /** OBSERVED. */
    public FailureObservation observation;
    /** SELECTION. */
    public FailureSelection selection;

    public CertificationInput() {}

    public static CertificationInput decided(String modelKey, String eventId, long eventTime, double confidence) {
        CertificationInput in = new CertificationInput();
        in.kind = DECIDED;
        in.modelKey = modelKey;
        in.eventId = eventId;
        in.eventTime = eventTime;
        in.confidence = confidence;
        return in;
    }

    public static CertificationInput labelled(String modelKey, String eventId, boolean wrong) {
        CertificationInput in = new CertificationInput();
        in.kind = LABELLED;
        in.modelKey = modelKey;
        in.eventId = eventId;
        in.wrong = wrong;
        return in;
    }

    public static CertificationInput observed(FailureObservation o) {
        CertificationInput in = new CertificationInput();
        in.kind = OBSERVED;
        in.modelKey = o.modelKey;
        in.eventId = o.eventId;
        in.eventTime = o.eventTime;
        in.observation = o;
        return in;
    }

    public static CertificationInput selection(FailureSelection s) {
        CertificationInput in = new CertificationInput();
        in.kind = SELECTION;
        in.modelKey = s.modelKey;
        in.selection = s;
        return in;
    }

    public static CertificationInput warning(String modelKey, long windowEnd, String reason) {
        CertificationInput in = new CertificationInput();
        in.kind = WARNING;
        in.modelKey = modelKey;
        in.eventTime = windowEnd;
        in.reason = reason;
        return in;
    }
}
