package io.bayesvlm.core.head;

/**
 * The per-image uncertainty scores, with the name used in JSON/Avro and the direction of each: for some
 * a high value means confident, for others uncertain. Routing and failure-prediction metrics use
 * {@link #uncertainty(double)} so that higher always means "less sure".
 */
public enum UncertaintyScore implements RoutingScore {
    /** Largest predictive probability. High = confident. */
    MAX_PROB("max_prob", false),
    /** Entropy of the predictive distribution, nats. High = uncertain. */
    ENTROPY("entropy", true),
    /** BALD mutual information H[E p] − E H[p] by Monte Carlo, nats: the epistemic part. High = uncertain. */
    MUTUAL_INFO("mutual_info", true),
    /** sqrt(v) of the predicted class's logit. High = uncertain. */
    TOP_LOGIT_STD("top_logit_std", true),
    /** Top-1 minus top-2 predictive probability. High = confident. */
    MARGIN("margin", false),
    /** DOCTOR score (1 − Σ p²) / Σ p². High = uncertain. */
    DOCTOR("doctor", true);

    private final String jsonName;
    private final boolean higherIsUncertain;

    UncertaintyScore(String jsonName, boolean higherIsUncertain) {
        this.jsonName = jsonName;
        this.higherIsUncertain = higherIsUncertain;
    }

    @Override
    public String jsonName() {
        return jsonName;
    }

    @Override
    public boolean higherIsUncertain() {
        return higherIsUncertain;
    }

    /** The score oriented so that larger means more uncertain. */
    @Override
    public double uncertainty(double value) {
        return higherIsUncertain ? value : -value;
    }

    /**
     * The score's value as a confidence, higher = surer: the orientation of the risk procedures
     * ({@code RiskControlledThreshold}, {@code HeldOutRisk}). Thresholds travel on the score's own scale and are
     * turned into a confidence here and back with {@link #valueAtConfidence}, nowhere else.
     */
    @Override
    public double confidence(double value) {
        return -uncertainty(value);
    }

    /** The value on the score's own scale whose {@link #confidence} is {@code confidence}. */
    @Override
    public double valueAtConfidence(double confidence) {
        return uncertainty(-confidence);
    }

    /** Parses a JSON name such as {@code mutual_info} (case-insensitive; dashes accepted). */
    public static UncertaintyScore fromName(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        for (UncertaintyScore s : values()) {
            if (s.jsonName.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown uncertainty score '" + name + "'; expected one of "
                + java.util.Arrays.stream(values())
                        .map(UncertaintyScore::jsonName)
                        .toList());
    }
}
