package io.bayesvlm.core.laplace;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.ProbCosine;
import io.bayesvlm.core.metrics.Calibration;
import io.bayesvlm.core.model.NpyArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Post-hoc KFAC Laplace fitting of a model's image and text projections on labelled images, where each image's
 * text is its class prompt (a classification data set as image–text pairs):
 * <ul>
 *   <li>image side: A = Σ a aᵀ/√N; B = Σ H_b/√N with the InfoNCE GGN of each image embedding against the
 *       class prompts' embeddings;</li>
 *   <li>text side: the same with roles swapped: each pair's text activation c (its class prompt) and the GGN of
 *       its text embedding against the image embeddings of its contrastive batch.</li>
 * </ul>
 * Then, per pseudo-count n, λ maximises the KFAC marginal likelihood ({@link PriorPrecision}) and n is chosen
 * by validation NLL. The raw factors, N, n and λ are stored in head.npz so n can be re-tuned without data.
 */
public final class LaplaceFitter {

    public static final String IMAGE_A = "image_A";
    public static final String IMAGE_B = "image_B";
    public static final String TEXT_A = "text_A";
    public static final String TEXT_B = "text_B";
    public static final String NUM_PAIRS = "fit_num_pairs";
    public static final String PSEUDO_COUNT = "fit_pseudo_count";
    public static final String IMAGE_PRIOR = "image_prior_precision";
    public static final String TEXT_PRIOR = "text_prior_precision";

    /** Raw factors of both projections, and how many training images were skipped because they did not decode. */
    public record Raw(KfacFactors image, KfacFactors text, int skipped) {
        public Raw(KfacFactors image, KfacFactors text) {
            this(image, text, 0);
        }
    }

    /** The posterior for one n, with its validation scores (NaN when there is no validation set). */
    public record Candidate(
            double pseudoCount,
            KfacPosterior.Result image,
            KfacPosterior.Result text,
            double validationNll,
            double validationEce,
            double validationAccuracy) {}

    private LaplaceFitter() {}

    /** One pass over the data: accumulates both projections' factors. */
    public static Raw accumulate(
            BayesVlmModel model,
            Map<String, NpyArray> head,
            LabelledImages data,
            int contrastiveBatch,
            Activations.Progress progress) {
        NpyArray wImg = head.get(LaplaceHead.IMAGE_PROJECTION);
        NpyArray wTxt = head.get(LaplaceHead.TEXT_PROJECTION);
        NpyArray classAct = head.get(LaplaceHead.CLASS_TEXT_ACTIVATIONS);
        double s = model.spec().logitScale();
        int k = classAct.rows();
        int d = wImg.rows();
        float[][] classActivations = new float[k][];
        double[][] classEmbeddings = new double[k][];
        for (int c = 0; c < k; c++) {
            classActivations[c] = Arrays.copyOfRange(classAct.data(), c * classAct.cols(), (c + 1) * classAct.cols());
            classEmbeddings[c] = ProbCosine.matVec(wTxt, classActivations[c]);
        }
        double[][] classTargets = InfoNceGgn.normaliseRows(classEmbeddings);

        KfacAccumulator image = new KfacAccumulator(wImg.cols(), d);
        KfacAccumulator text = new KfacAccumulator(wTxt.cols(), d);
        int skipped = Activations.forEachBatch(
                model,
                data,
                ImageShift.NONE,
                1,
                0,
                contrastiveBatch,
                batch -> {
                    int b = batch.labels().length;
                    double[][] embeddings = new double[b][];
                    for (int i = 0; i < b; i++) {
                        float[] a = batch.activations()[i];
                        embeddings[i] = ProbCosine.matVec(wImg, a);
                        image.add(a, InfoNceGgn.compute(embeddings[i], classTargets, s), 1);
                    }
                    // Text side: every pair's text is its class prompt, so the GGN is the same for all pairs of a class
                    // within the batch: compute it once per class and weight it by the count.
                    double[][] imageTargets = InfoNceGgn.normaliseRows(embeddings);
                    long[] counts = new long[k];
                    for (int label : batch.labels()) {
                        counts[label]++;
                    }
                    for (int c = 0; c < k; c++) {
                        if (counts[c] > 0) {
                            text.add(
                                    classActivations[c],
                                    InfoNceGgn.compute(classEmbeddings[c], imageTargets, s),
                                    counts[c]);
                        }
                    }
                },
                progress,
                null);
        return new Raw(image.finish(), text.finish(), skipped);
    }

    /**
     * Posteriors for each pseudo-count, scored on validation activations if given.
     *
     * @param validation activations and labels, or null
     */
    public static List<Candidate> candidates(
            Raw raw,
            Map<String, NpyArray> head,
            double logitScale,
            double[] pseudoCounts,
            Activations.Result validation) {
        KfacPosterior img = new KfacPosterior(raw.image(), frobeniusSq(head.get(LaplaceHead.IMAGE_PROJECTION)));
        KfacPosterior txt = new KfacPosterior(raw.text(), frobeniusSq(head.get(LaplaceHead.TEXT_PROJECTION)));
        int k = head.get(LaplaceHead.CLASS_TEXT_ACTIVATIONS).rows();
        List<Candidate> out = new ArrayList<>();
        for (double n : pseudoCounts) {
            KfacPosterior.Result ri = img.forPseudoCount(n);
            KfacPosterior.Result rt = txt.forPseudoCount(n);
            double nll = Double.NaN;
            double ece = Double.NaN;
            double acc = Double.NaN;
            if (validation != null) {
                LaplaceHead lh = new LaplaceHead(
                        withPosterior(head, raw, new Candidate(n, ri, rt, 0, 0, 0)),
                        logitScale,
                        k,
                        new Predictive(Predictive.Mode.PROBIT, 1, 0, k));
                List<double[]> probs = new ArrayList<>();
                for (float[] a : validation.activations()) {
                    Prediction p = lh.predict(a);
                    probs.add(p.probs());
                }
                Calibration.Report r = Calibration.evaluate(probs, validation.labels(), Calibration.DEFAULT_BINS);
                nll = r.nll();
                ece = r.ece();
                acc = r.accuracy();
            }
            out.add(new Candidate(n, ri, rt, nll, ece, acc));
        }
        return out;
    }

    /** The candidate with the lowest validation NLL (the first one if there was no validation). */
    public static Candidate best(List<Candidate> candidates) {
        Candidate best = candidates.get(0);
        for (Candidate c : candidates) {
            if (c.validationNll() < best.validationNll()) {
                best = c;
            }
        }
        return best;
    }

    /** head.npz contents with the chosen posterior, the raw factors and the fit's N, n and λ. */
    public static Map<String, NpyArray> withPosterior(Map<String, NpyArray> head, Raw raw, Candidate chosen) {
        Map<String, NpyArray> out = new LinkedHashMap<>(head);
        out.put(
                LaplaceHead.IMAGE_A_INV,
                square(chosen.image().aInv(), raw.image().p()));
        out.put(
                LaplaceHead.IMAGE_B_INV,
                square(chosen.image().bInv(), raw.image().q()));
        out.put(LaplaceHead.TEXT_A_INV, square(chosen.text().aInv(), raw.text().p()));
        out.put(LaplaceHead.TEXT_B_INV, square(chosen.text().bInv(), raw.text().q()));
        out.put(IMAGE_A, square(raw.image().a(), raw.image().p()));
        out.put(IMAGE_B, square(raw.image().b(), raw.image().q()));
        out.put(TEXT_A, square(raw.text().a(), raw.text().p()));
        out.put(TEXT_B, square(raw.text().b(), raw.text().q()));
        out.put(NUM_PAIRS, NpyArray.scalar(raw.image().n()));
        out.put(PSEUDO_COUNT, NpyArray.scalar((float) chosen.pseudoCount()));
        out.put(IMAGE_PRIOR, NpyArray.scalar((float) chosen.image().priorPrecision()));
        out.put(TEXT_PRIOR, NpyArray.scalar((float) chosen.text().priorPrecision()));
        return out;
    }

    /** The raw factors stored by a previous fit, or an explanation of why there are none. */
    public static Raw readRaw(Map<String, NpyArray> head) {
        for (String key : List.of(IMAGE_A, IMAGE_B, TEXT_A, TEXT_B, NUM_PAIRS)) {
            if (!head.containsKey(key)) {
                throw new IllegalArgumentException(
                        "head.npz has no '" + key + "': run fit on data first (no stored raw factors)");
            }
        }
        long n = (long) head.get(NUM_PAIRS).data()[0];
        return new Raw(
                factors(head.get(IMAGE_A), head.get(IMAGE_B), n), factors(head.get(TEXT_A), head.get(TEXT_B), n));
    }

    /**
     * Log-spaced pseudo-counts 1e-4, 2e-4, 5e-4, 1e-3, ... up to and including N. Values below one matter:
     * they widen the posterior beyond what the data term alone implies, and validation often prefers them.
     */
    public static double[] defaultGrid(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("the number of training pairs N is unknown (factors imported from"
                    + " elsewhere); give the candidate pseudo-counts explicitly (--pseudo-counts)");
        }
        List<Double> grid = new ArrayList<>();
        for (int exponent = -4; Math.pow(10, exponent) < n; exponent++) {
            for (int m : new int[] {1, 2, 5}) {
                double v = Double.parseDouble(m + "e" + exponent);
                if (v < n) {
                    grid.add(v);
                }
            }
        }
        grid.add((double) n);
        return grid.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static KfacFactors factors(NpyArray a, NpyArray b, long n) {
        return new KfacFactors(toDouble(a.data()), a.rows(), toDouble(b.data()), b.rows(), n);
    }

    static double frobeniusSq(NpyArray w) {
        double s = 0;
        for (float v : w.data()) {
            s += (double) v * v;
        }
        return s;
    }

    private static NpyArray square(double[] m, int n) {
        float[] f = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            f[i] = (float) m[i];
        }
        return NpyArray.matrix(n, n, f);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
