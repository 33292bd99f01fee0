package io.bayesvlm.flink.model;

/**
 * The threshold a calibration window vouched for (routing.mode=risk), on its way from the calibration topic to the
 * routing operator. A Flink POJO.
 */
public class RiskUpdate {
    /** End of the window whose labels chose it: a later window's update replaces an earlier one's. */
    public long windowEnd;
    /** The routing score the threshold is on. */
    public String score;
    /** On the score's own scale; NaN: nothing vouched for, review everything. */
    public double threshold = Double.NaN;

    public RiskUpdate() {}

    public RiskUpdate(long windowEnd, String score, double threshold) {
        this.windowEnd = windowEnd;
        this.score = score;
        this.threshold = threshold;
    }
}
