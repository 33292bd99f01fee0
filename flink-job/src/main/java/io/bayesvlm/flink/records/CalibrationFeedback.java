package io.bayesvlm.flink.records;

/**
 * What a calibration window tells the routing operator, read back from the calibration topic: the threshold it
 * vouched for (routing.mode=risk) and the temperatures it fitted (calibration.recalibrate). A Flink POJO.
 */
public class CalibrationFeedback {
    /** End of the window whose labels produced it: a later window's feedback replaces an earlier one's. */
    public long windowEnd;
    /** Whether the report had a risk section, the routing score it is on, and the threshold on that score's scale. */
    public boolean risk;

    public String score;
    /** NaN: nothing vouched for, review everything. */
    public double threshold = Double.NaN;
    /** Whether the report had temperatures, and them. */
    public boolean recalibrated;

    public double temperatureBayes = Double.NaN;
    public double temperatureMap = Double.NaN;

    public CalibrationFeedback() {}

    /** Risk feedback only. */
    public CalibrationFeedback(long windowEnd, String score, double threshold) {
        this.windowEnd = windowEnd;
        this.risk = true;
        this.score = score;
        this.threshold = threshold;
    }

    /** Recalibration feedback only. */
    public static CalibrationFeedback temperatures(long windowEnd, double bayes, double map) {
        CalibrationFeedback f = new CalibrationFeedback();
        f.windowEnd = windowEnd;
        f.recalibrated = true;
        f.temperatureBayes = bayes;
        f.temperatureMap = map;
        return f;
    }
}
