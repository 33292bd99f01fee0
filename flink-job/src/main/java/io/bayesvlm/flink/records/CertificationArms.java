package io.bayesvlm.flink.records;

/**
 * routing.score=auto, per model: the score the certificate in force is on (its arm) and the candidate certified
 * alongside it on the same design labels, each a score name with, for the learned score, the predictor's version
 * and weights; and the latest design items' confidences under both, to compare how much each certified threshold
 * would decide automatically. A Flink POJO, kept by {@code CertifyThreshold}.
 */
public class CertificationArms {
    /** How many recent design items the comparison of the two thresholds uses. */
    public static final int RECENT = 1000;

    public String score;
    public String predictor;
    public byte[] weights;
    /** Why the arm in force is the one it is (the selection that proposed it), null for the start score. */
    public String reason;

    /** The candidate, or null score for none. */
    public String shadowScore;

    public String shadowPredictor;
    public byte[] shadowWeights;
    public String shadowReason;
    /** The candidate is certified only on design items decided after this event time (none it was trained on). */
    public long shadowFrom = Long.MIN_VALUE;

    /** Ring of the confidences of the latest design items under the arm in force and under the candidate. */
    public double[] recent = new double[0];

    public double[] recentShadow = new double[0];
    public int recentSize;
    public int recentNext;

    public CertificationArms() {}

    public static CertificationArms start(String score) {
        CertificationArms a = new CertificationArms();
        a.score = score;
        a.recent = new double[RECENT];
        a.recentShadow = new double[RECENT];
        return a;
    }

    public void remember(double confidence, double shadowConfidence) {
        recent[recentNext] = confidence;
        recentShadow[recentNext] = shadowConfidence;
        recentNext = (recentNext + 1) % recent.length;
        recentSize = Math.min(recentSize + 1, recent.length);
    }

    public void forgetRecent() {
        recentSize = 0;
        recentNext = 0;
    }

    /**
     * Of the remembered design items, the share at or above each threshold (confidence scale), for the arm in force
     * and for the candidate: what each would decide automatically. The design sample is uniform, so this estimates the
     * stream's share.
     */
    public double[] automatedShares(double threshold, double shadowThreshold) {
        int n = 0;
        int auto = 0;
        int shadowAuto = 0;
        for (int i = 0; i < recentSize; i++) {
            if (Double.isNaN(recentShadow[i])) {
                continue;
            }
            n++;
            auto += recent[i] >= threshold ? 1 : 0;
            shadowAuto += recentShadow[i] >= shadowThreshold ? 1 : 0;
        }
        return n == 0 ? new double[] {0, 0, 0} : new double[] {n, (double) auto / n, (double) shadowAuto / n};
    }
}
