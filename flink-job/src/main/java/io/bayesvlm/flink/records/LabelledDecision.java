package io.bayesvlm.flink.records;

/** A decision joined with its true label: the input of the rolling calibration windows. A Flink POJO. */
public class LabelledDecision {
    public String eventId;
    public long eventTime;
    public String modelName;
    public String modelVersion;
    public double[] probs;
    public double[] mapProbs;
    public int label;
    /** REVIEWER, AUDIT or GROUND_TRUTH. */
    public String labelSource;
    /** AUTO, REVIEW or AUDIT. */
    public String routing;
    /** The decision's probability of being sent for a label (1 for review, the audit fraction otherwise); NaN if unknown. */
    public double labelPropensity = Double.NaN;
    /** The routing score's name and the decision's value of it (as routed). */
    public String routingScore;

    public double routingValue = Double.NaN;
    /** calibration.recalibrate: the probabilities after the temperatures of calibrationVersion (null: none yet). */
    public double[] recalibratedProbs;

    public double[] recalibratedMapProbs;
    public long calibrationVersion = -1;
    /** Where the label was read (topic, partition, offset): a label that cannot be counted points at its record. */
    public String labelTopic;

    public int labelPartition = -1;
    public long labelOffset = -1;
    /** The label's own time: of two labels of one event (a reviewer's correction), the later one counts. */
    public long labelTime = Long.MIN_VALUE;

    public LabelledDecision() {}
}
