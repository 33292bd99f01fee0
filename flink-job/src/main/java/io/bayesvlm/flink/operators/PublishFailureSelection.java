package io.bayesvlm.flink.operators;

import io.bayesvlm.flink.records.FailureSelection;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * A {@link FailureSelection} as the record of {@code topics.failure-selections}: the model it is for, when it was
 * written (processing time), the alpha the review rates are held at, and the predictor's weights when it won.
 */
public class PublishFailureSelection implements MapFunction<FailureSelection, io.bayesvlm.avro.FailureSelection> {
    private static final long serialVersionUID = 1L;

    private final double alpha;

    public PublishFailureSelection(double alpha) {
        this.alpha = alpha;
    }

    @Override
    public io.bayesvlm.avro.FailureSelection map(FailureSelection f) {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (int i = 0; i < f.scores.length; i++) {
            rates.put(f.scores[i], f.heldOutReviewRates[i]);
        }
        return io.bayesvlm.avro.FailureSelection.newBuilder()
                .setModelName(f.modelName)
                .setModelVersion(f.modelVersion)
                .setIssuedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setLabels(f.labels)
                .setAlpha(alpha)
                .setScore(f.score)
                .setCandidateVersion(f.candidateVersion)
                .setJudgedFrom(f.judgedFrom)
                .setJudgedTo(f.judgedTo)
                .setHeldOutReviewRates(rates)
                .setPredictor(f.predictor == null ? null : ByteBuffer.wrap(f.predictor))
                .build();
    }
}
