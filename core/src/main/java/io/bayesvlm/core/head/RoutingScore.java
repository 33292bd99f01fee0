package io.bayesvlm.core.head;

import java.io.Serializable;
import java.util.Locale;

/**
 * A score routing can threshold: one of the head's six {@link UncertaintyScore}s, or {@link #LEARNED}, the learned
 * failure predictor's probability that the prediction is wrong (docs/failure-predictor.md). Each knows its direction,
 * so that thresholds travel on the score's own scale and are turned into confidences in one place.
 */
public interface RoutingScore extends Serializable {
    /** The learned failure predictor's P(wrong): high = uncertain. */
    RoutingScore LEARNED = Learned.INSTANCE;

    String jsonName();

    boolean higherIsUncertain();

    /** The score oriented so that larger means more uncertain. */
    default double uncertainty(double value) {
        return higherIsUncertain() ? value : -value;
    }

    /** The value as a confidence, higher = surer (the orientation of the risk procedures). */
    default double confidence(double value) {
        return -uncertainty(value);
    }

    /** The value on the score's own scale whose {@link #confidence} is {@code confidence}. */
    default double valueAtConfidence(double confidence) {
        return uncertainty(-confidence);
    }

    /** {@code learned} or one of the six scores' names (case-insensitive; dashes accepted). */
    static RoutingScore fromName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (n.equals(LEARNED.jsonName())) {
            return LEARNED;
        }
        for (UncertaintyScore s : UncertaintyScore.values()) {
            if (s.jsonName().equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown routing score '" + name + "'; expected learned or one of "
                + java.util.Arrays.stream(UncertaintyScore.values())
                        .map(UncertaintyScore::jsonName)
                        .toList());
    }

    /** The single learned score. An enum, so it stays a singleton through Java serialization. */
    enum Learned implements RoutingScore {
        INSTANCE;

        @Override
        public String jsonName() {
            return "learned";
        }

        @Override
        public boolean higherIsUncertain() {
            return true;
        }
    }
}
