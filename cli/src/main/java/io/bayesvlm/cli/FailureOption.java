package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.head.Prediction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --failure FILE}: a learned failure predictor (fit-failure) reported as the score "learned". */
final class FailureOption {
    @Option(
            names = "--failure",
            paramLabel = "FILE",
            description = "A learned failure predictor (fit-failure) to report as the score 'learned'; default:"
                    + " MODEL/failure.npz when there is one. It must not have been trained on these images.")
    Path failure;

    /** The predictor named, else the model directory's, else null; checked against the model's classes. */
    FailurePredictor load(BayesVlmModel m, Path modelDir) throws IOException {
        Path file = failure != null ? failure : modelDir.resolve(FailurePredictor.FILE);
        return failure != null || Files.exists(file)
                ? FailurePredictor.load(file, m.head().unitClassEmbeddings())
                : null;
    }

    /** The learned confidence of one scored activation. */
    static double confidence(FailurePredictor learned, BayesVlmModel m, float[] activation, Prediction p) {
        return learned.confidence(FailureInput.of(m.head().embedImage(activation), p));
    }
}
