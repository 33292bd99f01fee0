package io.bayesvlm.demo.bench;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.head.Predictive;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
            "scoring uses) and the double-precision reference head's, per image (median of the timed calls); then score throughput (encoder +",
            "head) at the largest batch size. Every model is measured in this one run, so the ratios compare like",
            "with like. The ViT-B/32-shaped models: models/scripts/make_vit_b32_bench.py."
        })
public final class HeadBenchmark implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the benchmark writing the tables to {@code out}; the exit status (0 ok, 2 usage or model error). */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new HeadBenchmark())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("bayesvlm headbench: " + e.getMessage());
                    return 2;
                })
                .execute(args);
    }

    @Parameters(paramLabel = "MODEL_DIR", arity = "1..*", description = "Model directories.")
    List<Path> models;

    @Option(
            names = "--batches",
            split = ",",
            defaultValue = "1,8,64",
            paramLabel = "B",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(
            names = "--repeats",
            defaultValue = "7",
            description =
                    "Timed calls per batch size after one warm-up; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(
            names = "--score-images",
            defaultValue = "128",
            description = "Images for the throughput run (default: ${DEFAULT-VALUE}).")
    int scoreImages;

    @Option(
            names = "--score-rounds",
            defaultValue = "5",
            description = "Rounds of the throughput run (default: ${DEFAULT-VALUE}).")
    int scoreRounds;

    @Option(
            names = "--device",
            defaultValue = "auto",
            description = "auto | cpu | gpu | gpu:<i> (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--predictive",
            defaultValue = "probit",
            paramLabel = "MODE",
            description =
                    "probit | mc: the predictive, as in score (the MC pass runs in both, for mutual information).")
    Predictive.Mode predictive;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int largest = batches.stream().mapToInt(Integer::intValue).max().orElseThrow();
        out.println(
                "| model | K | batch | encoder ms/image | head ms/image | head / encoder | reference head ms/image |");
        out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        List<BayesVlmModel> loaded = new ArrayList<>();
        try {
            for (Path dir : models) {
                loaded.add(BayesVlmModel.load(
                        dir,
                        new io.bayesvlm.core.ScoringOptions(
                                io.bayesvlm.core.model.DeviceSpec.parse(device),
                                largest,
                                predictive,
                                Predictive.DEFAULT_MC_SAMPLES,
                                0,
                                io.bayesvlm.core.image.ImageLimits.DEFAULTS)));
            }
            for (BayesVlmModel m : loaded) {
                table(out, m);
            }
            out.printf("%nPer image: the median of %d timed calls per batch size.%n", repeats);
            scoreThroughput(out, loaded, largest);
        } finally {
            loaded.forEach(BayesVlmModel::close);
        }
        return 0;
    }

    private void table(PrintWriter out, BayesVlmModel m) {
        int per = m.loader().tensorSize();
        SplittableRandom rng = new SplittableRandom(1);
        for (int b : batches) {
            float[] pixels = gaussian(rng, b * per);
            float[][] act = m.activations(pixels, b); // warm-up (libtorch specialises per shape)
            m.predictActivations(act);
            long[] enc = new long[repeats];
            long[] head = new long[repeats];
            long[] ref = new long[repeats];
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
                enc[r] = t1 - t0;
                head[r] = t2 - t1;
                ref[r] = t3 - t2;
            }
            // Medians: on a shared machine a single descheduled call would otherwise move a mean by tens of %.
            double e = median(enc) / b / 1e6;
            double h = median(head) / b / 1e6;
            out.printf(
                    "| %s | %d | %d | %.2f | %.3f | %.2f%% | %.3f |%n",
                    m.spec().name(), m.spec().numClasses(), b, e, h, 100.0 * h / e, median(ref) / b / 1e6);
            out.flush();
        }
    }

    /**
     * {@code score} throughput (encoder + head) per model: rounds that take the models in turn, so that a slow or
     * fast spell of a shared machine falls on all of them alike; the median round per model.
     */
    private void scoreThroughput(PrintWriter out, List<BayesVlmModel> loaded, int batch) {
        List<List<float[]>> inputs = new ArrayList<>();
        for (BayesVlmModel m : loaded) {
            int per = m.loader().tensorSize();
            SplittableRandom rng = new SplittableRandom(2);
            List<float[]> tensors = new ArrayList<>(scoreImages);
            for (int i = 0; i < scoreImages; i++) {
                tensors.add(gaussian(rng, per));
            }
            inputs.add(tensors);
            m.scoreTensors(tensors.subList(0, Math.min(batch, scoreImages))); // warm-up
        }
        long[][] nanos = new long[loaded.size()][scoreRounds];
        for (int r = 0; r < scoreRounds; r++) {
            for (int i = 0; i < loaded.size(); i++) {
                long t0 = System.nanoTime();
                loaded.get(i).scoreTensors(inputs.get(i));
                nanos[i][r] = System.nanoTime() - t0;
            }
        }
        out.printf(
                "%nScore throughput at batch %d (encoder + head, %d images; median of %d rounds taking the models in"
                        + " turn):%n",
                batch, scoreImages, scoreRounds);
        double first = 0;
        for (int i = 0; i < loaded.size(); i++) {
            BayesVlmModel m = loaded.get(i);
            double perSecond = scoreImages / (median(nanos[i]) / 1e9);
            if (i == 0) {
                first = perSecond;
            }
            out.printf(
                    "- %s (K = %d): %.2f images/s%s%n",
                    m.spec().name(),
                    m.spec().numClasses(),
                    perSecond,
                    i == 0 ? "" : String.format(" (%.2fx the first)", perSecond / first));
        }
    }

    private static float[] gaussian(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }

    static double median(long[] values) {
        long[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }
}
