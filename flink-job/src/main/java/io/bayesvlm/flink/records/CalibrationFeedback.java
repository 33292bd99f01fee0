package io.bayesvlm.flink.records;

/**
 * What a calibration window tells the routing operator, read back from the calibration topic: the threshold it
 * vouched for (routing.mode=risk, routing.certify=window) and the temperatures it fitted (calibration.recalibrate);
 * or a risk certificate read back from the certificates topic (routing.certify=sequence). A Flink POJO.
 */
public class CalibrationFeedback {
    /** End of the window whose labels produced it: a later window's feedback replaces an earlier one's. */
    public long windowEnd;
    /** Whether the report had a risk section, the routing score it is on, and the threshold on that score's scale. */
    public boolean risk;

    public String score;
    /** NaN: nothing vouched for, review everything. */
    public double threshold = Double.NaN;
    /**
     * Whether this is a RiskCertificate (routing.certify=sequence) rather than a window's report; then
     * {@code windowEnd} is when it was issued and {@code sequence} orders those issued in the same millisecond.
     */
    public boolean certificate;

    public long sequence;
    /** A certificate's model key (name/version): another model's certificate says nothing about this one. */
    public String modelKey;
    /**
     * A certificate on the learned score (routing.score=auto): the version of the predictor its threshold is for, and
     * that predictor's weights (the certificate is self-contained: the certificates topic is compacted); else null.
     */
    public String predictor;

    public byte[] predictorWeights;
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

    /** A certificate: issued at, its sequence number, the score and the threshold on its scale (NaN: none). */
    public static CalibrationFeedback certificate(
            String modelKey, long issuedAt, long sequence, String score, double threshold) {
        CalibrationFeedback f = new CalibrationFeedback(issuedAt, score, threshold);
        f.certificate = true;
        f.modelKey = modelKey;
        f.sequence = sequence;
        return f;
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
