package io.bayesvlm.core;

import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.model.DeviceSpec;

/**
 * How a {@link BayesVlmModel} runs and scores.
 *
 * @param device where the encoder runs
 * @param batchSize most images per encoder call
 * @param mode probit (default) or Monte Carlo predictive
 * @param mcSamples Monte Carlo draws, for the MC predictive and for the mutual information
 * @param seed seed of the Monte Carlo draws
 * @param limits input limits
 */
public record ScoringOptions(
        DeviceSpec device, int batchSize, Predictive.Mode mode, int mcSamples, long seed, ImageLimits limits)
        implements java.io.Serializable {

    public static final int DEFAULT_BATCH_SIZE = 32;

    public static final ScoringOptions DEFAULTS = new ScoringOptions(
            DeviceSpec.AUTO,
            DEFAULT_BATCH_SIZE,
            Predictive.Mode.PROBIT,
            Predictive.DEFAULT_MC_SAMPLES,
            Predictive.DEFAULT_SEED,
            ImageLimits.DEFAULTS);

    public ScoringOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch-size must be at least 1, got " + batchSize);
        }
        if (mcSamples < 1) {
            throw new IllegalArgumentException("mc-samples must be at least 1, got " + mcSamples);
        }
    }

    public ScoringOptions withDevice(DeviceSpec d) {
        return new ScoringOptions(d, batchSize, mode, mcSamples, seed, limits);
    }

    public ScoringOptions withBatchSize(int b) {
        return new ScoringOptions(device, b, mode, mcSamples, seed, limits);
    }
}
