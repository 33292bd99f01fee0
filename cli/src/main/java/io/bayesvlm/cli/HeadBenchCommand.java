package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.Predictive;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bayesvlm headbench}: encoder time against head time per image, and scoring throughput, for one or more
 * model directories (e.g. the same encoder with K = 10 and K = 1000 classes), side by side in one run.
 */
@Command(
        name = "headbench",
        mixinStandardHelpOptions = true,
        description = {
            "Encoder vs Bayesian head time per image, and scoring throughput, per model and batch size.",
            "",
            "Random preprocessed inputs (seeded). Per batch size: the encoder's time, the batched head's (the one",
            "scoring uses) and the double-precision reference head's, per image; then score throughput (encoder +",
            "head) at the largest batch size. Every model is measured in this one run, so the ratios compare like",
            "with like. The ViT-B/32-shaped models: models/scripts/make_vit_b32_bench.py."
        })
final class HeadBenchCommand implements Callable<Integer> {

    @Parameters(paramLabel = "MODEL_DIR", arity = "1..*", description = "Model directories.")
    List<Path> models;

    @Option(names = "--batches", split = ",", defaultValue = "1,8,64", paramLabel = "B",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed calls per batch size after one warm-up (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--score-images", defaultValue = "128", description = "Images for the throughput run (default: ${DEFAULT-VALUE}).")
    int scoreImages;

    @Option(names = "--device", defaultValue = "auto", description = "auto | cpu | gpu | gpu:<i> (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--mode", defaultValue = "probit", description = "probit | mc: the predictive (the MC pass runs in both, for mutual information).")
    String mode;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int largest = batches.stream().mapToInt(Integer::intValue).max().orElseThrow();
        out.println("| model | K | batch | encoder ms/image | head ms/image | head / encoder | reference head ms/image |");
        out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        List<String> throughput = new ArrayList<>();
        for (Path dir : models) {
            io.bayesvlm.core.ScoringOptions options = new io.bayesvlm.core.ScoringOptions(
                    io.bayesvlm.core.DeviceSpec.parse(device), largest,
                    mode.equals("mc") ? Predictive.Mode.MC : Predictive.Mode.PROBIT, Predictive.DEFAULT_MC_SAMPLES, 0,
                    io.bayesvlm.core.ImageLimits.DEFAULTS);
            try (BayesVlmModel m = BayesVlmModel.load(dir, options)) {
                int per = m.loader().tensorSize();
                SplittableRandom rng = new SplittableRandom(1);
                for (int b : batches) {
                    float[] pixels = new float[b * per];
                    for (int i = 0; i < pixels.length; i++) {
                        pixels[i] = (float) rng.nextGaussian();
                    }
                    float[][] act = m.activations(pixels, b); // warm-up (libtorch specialises per shape)
                    m.predictActivations(act);
                    long enc = 0;
                    long head = 0;
                    long ref = 0;
                    for (int r = 0; r < repeats; r++) {
                        long t0 = System.nanoTime();
                        act = m.activations(pixels, b);
                        long t1 = System.nanoTime();
                        m.predictActivations(act);
                        long t2 = System.nanoTime();
                        for (float[] a : act) {
                            m.head().predict(a);
                        }
                        long t3 = System.nanoTime();
                        enc += t1 - t0;
                        head += t2 - t1;
                        ref += t3 - t2;
                    }
                    double n = (double) repeats * b;
                    out.printf("| %s | %d | %d | %.2f | %.3f | %.2f%% | %.3f |%n", m.spec().name(), m.spec().numClasses(), b,
                            enc / n / 1e6, head / n / 1e6, 100.0 * head / enc, ref / n / 1e6);
                    out.flush();
                }
                List<float[]> tensors = new ArrayList<>(scoreImages);
                for (int i = 0; i < scoreImages; i++) {
                    float[] t = new float[per];
                    for (int j = 0; j < per; j++) {
                        t[j] = (float) rng.nextGaussian();
                    }
                    tensors.add(t);
                }
                m.scoreTensors(tensors.subList(0, Math.min(largest, scoreImages))); // warm-up
                long t0 = System.nanoTime();
                m.scoreTensors(tensors);
                double seconds = (System.nanoTime() - t0) / 1e9;
                throughput.add(String.format("%s (K = %d): %.2f images/s", m.spec().name(), m.spec().numClasses(),
                        scoreImages / seconds));
            }
        }
        out.printf("%nScore throughput at batch %d (encoder + head, %d images): %s%n", largest, scoreImages,
                String.join("; ", throughput));
        return 0;
    }
}
