package io.bayesvlm.core;

import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.image.ImageRejectedException;

/** The outcome for one input: a prediction, or the reason the input could not be scored. */
public sealed interface ScoreResult {

    /** The input was scored. */
    record Scored(Prediction prediction) implements ScoreResult {}

    /** The input was refused before inference. */
    record Rejected(ErrorCode code, String message) implements ScoreResult {
        static Rejected of(ImageRejectedException e) {
            return new Rejected(e.code(), e.getMessage());
        }
    }
}
