package io.bayesvlm.flink;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.failure.FailureTraining;
import io.bayesvlm.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A copy of the built-in model with a learned failure predictor in it (failure.npz), for routing.score=learned. What
 * the predictor learned does not matter to the job's tests (they check that it is used, and how), so it is trained
 * briefly on random inputs of the model's shapes, against the model's class text embeddings or, to test the refusal,
 * against others.
 */
final class LearnedScoreFixture {
    private LearnedScoreFixture() {}

    static final Path BUILT_IN = ItConfig.ROOT.resolve("models/fashion-clip");

    /** Copies the built-in model to {@code dir} with a predictor; returns the predictor written. */
    static FailurePredictor modelWithPredictor(Path dir, boolean thisModelsText) throws IOException {
        try (var files = Files.list(BUILT_IN)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        double[][] text = BayesVlmModel.loadHead(ModelSpec.load(dir), ScoringOptions.DEFAULTS)
                .unitClassEmbeddings();
        int k = text.length;
        int d = text[0].length;
        SplittableRandom rng = new SplittableRandom(5);
        if (!thisModelsText) {
            text = new double[k][];
            for (int c = 0; c < k; c++) {
                text[c] = unit(rng, d);
            }
        }
        List<FailureInput> inputs = new ArrayList<>();
        boolean[] wrong = new boolean[200];
        for (int i = 0; i < wrong.length; i++) {
            double[] mean = new double[k];
            double[] var = new double[k];
            for (int c = 0; c < k; c++) {
                mean[c] = 10 * rng.nextDouble();
                var[c] = rng.nextDouble();
            }
            double[] scores = new double[6];
            for (int s = 0; s < scores.length; s++) {
                scores[s] = rng.nextDouble();
            }
            inputs.add(new FailureInput(unit(rng, d), rng.nextInt(k), mean, var, scores));
            wrong[i] = i % 4 == 0;
        }
        FailurePredictor p = FailureTraining.fit(inputs, wrong, text, FailureTraining.Options.DEFAULTS.withEpochs(2));
        p.save(dir.resolve(FailurePredictor.FILE));
        return p;
    }

    private static double[] unit(SplittableRandom rng, int d) {
        double[] v = new double[d];
        double n = 0;
        for (int j = 0; j < d; j++) {
            v[j] = rng.nextDouble() - 0.5;
            n += v[j] * v[j];
        }
        for (int j = 0; j < d; j++) {
            v[j] /= Math.sqrt(n);
        }
        return v;
    }
}
