package io.bayesvlm.core.failure;

import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.metrics.FailurePrediction;
import io.bayesvlm.core.risk.HeldOutRisk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How the learned failure score compares with the fixed ones, over seeded splits of labelled images: each split
 * sends every image to calibration or test (a fair coin, as {@code bayesvlm risk}), and the calibration part in two
 * halves: the predictor is trained on one (clean images), thresholds for a guaranteed error rate are chosen on the
 * other for every score alike, and everything is measured on the test part, which neither saw. Failure AUROC and FPR
 * at 95% TPR per score, clean and under each shift; review rates at each α on clean test images; and for the learned
 * score minus mutual_info, paired bootstrap intervals (the same resampled test items for both scores, averaged over
 * the splits: the interval is the test sampling's, the thresholds are held fixed).
 */
public final class FailureStudy {
    private FailureStudy() {}

    public static final String LEARNED = io.bayesvlm.core.head.RoutingScore.LEARNED.jsonName();
    public static final String BASELINE = UncertaintyScore.MUTUAL_INFO.jsonName();

    /** Trains a predictor on a split's training items (a seam for tests: they check what it is given). */
    public interface Trainer {
        FailurePredictor fit(List<FailureInput> inputs, boolean[] wrong, double[][] text, FailureTraining.Options o);
    }

    /** A split of image indices: the predictor's training items, the thresholds' items and the test items. */
    public record Split(List<Integer> train, List<Integer> certify, List<Integer> test) {
        /** A fair coin per image for calibration or test, then another for training or certifying. */
        static Split of(int n, SplittableRandom rng) {
            List<Integer> train = new ArrayList<>();
            List<Integer> certify = new ArrayList<>();
            List<Integer> test = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (rng.nextDouble() < 0.5) {
                    (rng.nextBoolean() ? train : certify).add(i);
                } else {
                    test.add(i);
                }
            }
            return new Split(train, certify, test);
        }

        /** The same test part; the training quarter joins the certifying one (the predictor learns elsewhere). */
        Split allCertifying() {
            List<Integer> all = new ArrayList<>(train);
            all.addAll(certify);
            all.sort(null);
            return new Split(List.of(), all, test);
        }
    }

    /**
     * Labelled predictions kept apart from the study's images (another part of the data set) to train the predictor
     * on instead of a quarter of them: then the whole calibration half chooses the thresholds, as in
     * {@code bayesvlm risk}, and the test parts are the same as without a pool (same seed).
     */
    public record Pool(List<FailureInput> inputs, boolean[] wrong) {
        public Pool {
            if (inputs.size() != wrong.length) {
                throw new IllegalArgumentException(inputs.size() + " inputs but " + wrong.length + " outcomes");
            }
        }
    }

    /** One shift's predictions of the same images, in the same order, with the image embeddings' inputs. */
    public record Shifted(String shift, List<Prediction> predictions, List<FailureInput> inputs) {}

    /** A mean over the splits with a 95% interval (NaN when not bootstrapped). */
    public record Estimate(double mean, double lower, double upper) {}

    public record Result(
            int splits,
            int images,
            int trainItems,
            int certifyItems,
            int testItems,
            /** shift → score → AUROC. */
            Map<String, Map<String, Double>> auroc,
            Map<String, Map<String, Double>> fpr95,
            /** shift → learned minus mutual_info AUROC. */
            Map<String, Estimate> aurocDifference,
            /** α → score → review rate on clean test images. */
            Map<Double, Map<String, Double>> reviewRate,
            /** α → score → error among automatic decisions. */
            Map<Double, Map<String, Double>> autoError,
            /** α → learned minus mutual_info review rate. */
            Map<Double, Estimate> reviewDifference) {}

    /**
     * @param shifts the clean predictions first ("none"), then each shift's, all of the same images
     * @param labels the true class of each image
     * @param pool where the predictor learns, or null for a quarter of the images of each split
     */
    public static Result run(
            List<Shifted> shifts,
            int[] labels,
            double[][] text,
            FailureTraining.Options training,
            double[] alphas,
            double delta,
            int splits,
            int bootstrap,
            long seed,
            Pool pool) {
        return run(shifts, labels, text, training, alphas, delta, splits, bootstrap, seed, pool, FailureTraining::fit);
    }

    public static Result run(
            List<Shifted> shifts,
            int[] labels,
            double[][] text,
            FailureTraining.Options training,
            double[] alphas,
            double delta,
            int splits,
            int bootstrap,
            long seed,
            Pool pool,
            Trainer trainer) {
        int n = labels.length;
        Shifted clean = shifts.get(0);
        List<String> scores = new ArrayList<>();
        for (UncertaintyScore s : UncertaintyScore.values()) {
            scores.add(s.jsonName());
        }
        scores.add(LEARNED);
        Map<String, Map<String, double[]>> aurocs = new LinkedHashMap<>();
        Map<String, Map<String, double[]>> fprs = new LinkedHashMap<>();
        Map<String, double[][]> aurocDiffDraws = new LinkedHashMap<>();
        for (Shifted s : shifts) {
            aurocs.put(s.shift(), perScore(scores, splits));
            fprs.put(s.shift(), perScore(scores, splits));
            aurocDiffDraws.put(s.shift(), new double[splits][bootstrap]);
        }
        Map<Double, Map<String, double[]>> reviews = new LinkedHashMap<>();
        Map<Double, Map<String, double[]>> errors = new LinkedHashMap<>();
        Map<Double, double[][]> reviewDiffDraws = new LinkedHashMap<>();
        for (double a : alphas) {
            reviews.put(a, perScore(scores, splits));
            errors.put(a, perScore(scores, splits));
            reviewDiffDraws.put(a, new double[splits][bootstrap]);
        }
        int trainSize = 0;
        int certifySize = 0;
        int testSize = 0;
        for (int split = 0; split < splits; split++) {
            Split parts = Split.of(n, new SplittableRandom(seed + split));
            if (pool != null) {
                parts = parts.allCertifying();
            }
            List<Integer> train = parts.train();
            List<Integer> certify = parts.certify();
            List<Integer> test = parts.test();
            trainSize += pool != null ? pool.inputs().size() : train.size();
            certifySize += certify.size();
            testSize += test.size();
            boolean[] wrong = new boolean[n];
            for (int i = 0; i < n; i++) {
                wrong[i] = clean.predictions().get(i).predicted() != labels[i];
            }
            List<FailureInput> trainInputs = new ArrayList<>();
            boolean[] trainWrong = new boolean[train.size()];
            for (int j = 0; j < train.size(); j++) {
                trainInputs.add(clean.inputs().get(train.get(j)));
                trainWrong[j] = wrong[train.get(j)];
            }
            FailureTraining.Options seeded = training.withSeed(training.seed() + split);
            FailurePredictor predictor = pool != null
                    ? trainer.fit(pool.inputs(), pool.wrong(), text, seeded)
                    : trainer.fit(trainInputs, trainWrong, text, seeded);
            long[][] resamples = resamples(test.size(), bootstrap, new SplittableRandom(seed * 31 + split));
            for (Shifted s : shifts) {
                boolean[] correct = new boolean[test.size()];
                for (int j = 0; j < test.size(); j++) {
                    correct[j] = s.predictions().get(test.get(j)).predicted() == labels[test.get(j)];
                }
                Map<String, double[]> conf = new LinkedHashMap<>();
                for (String score : scores) {
                    conf.put(score, confidences(s, score, test, predictor));
                }
                for (String score : scores) {
                    FailurePrediction.Result r = FailurePrediction.evaluate(conf.get(score), correct);
                    aurocs.get(s.shift()).get(score)[split] = r.auroc();
                    fprs.get(s.shift()).get(score)[split] = r.fprAt95Tpr();
                }
                double[][] draws = aurocDiffDraws.get(s.shift());
                for (int b = 0; b < bootstrap; b++) {
                    draws[split][b] = aurocOf(conf.get(LEARNED), correct, resamples[b])
                            - aurocOf(conf.get(BASELINE), correct, resamples[b]);
                }
            }
            // thresholds on the certify half (clean), review rates on the clean test part
            boolean[] certifyWrong = pick(wrong, certify);
            boolean[] testWrong = pick(wrong, test);
            for (double alpha : alphas) {
                Map<String, boolean[]> reviewed = new LinkedHashMap<>();
                for (String score : scores) {
                    double[] cal = confidences(clean, score, certify, predictor);
                    double[] tst = confidences(clean, score, test, predictor);
                    HeldOutRisk.Row row = HeldOutRisk.evaluate(cal, certifyWrong, tst, testWrong, alpha, delta, 200);
                    reviews.get(alpha).get(score)[split] = row.reviewRate();
                    errors.get(alpha).get(score)[split] = row.autoError();
                    boolean[] r = new boolean[tst.length];
                    for (int j = 0; j < tst.length; j++) {
                        r[j] = !(tst[j] >= row.threshold());
                    }
                    reviewed.put(score, r);
                }
                double[][] draws = reviewDiffDraws.get(alpha);
                for (int b = 0; b < bootstrap; b++) {
                    draws[split][b] =
                            rate(reviewed.get(LEARNED), resamples[b]) - rate(reviewed.get(BASELINE), resamples[b]);
                }
            }
        }
        SplittableRandom pick = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Map<String, Estimate> aurocDiff = new LinkedHashMap<>();
        aurocDiffDraws.forEach((shift, d) -> aurocDiff.put(
                shift,
                interval(
                        d,
                        mean(aurocs.get(shift).get(LEARNED))
                                - mean(aurocs.get(shift).get(BASELINE)),
                        pick)));
        Map<Double, Estimate> reviewDiff = new LinkedHashMap<>();
        reviewDiffDraws.forEach((a, d) -> reviewDiff.put(
                a,
                interval(
                        d,
                        mean(reviews.get(a).get(LEARNED)) - mean(reviews.get(a).get(BASELINE)),
                        pick)));
        return new Result(
                splits,
                n,
                trainSize / splits,
                certifySize / splits,
                testSize / splits,
                means(aurocs),
                means(fprs),
                aurocDiff,
                means(reviews),
                means(errors),
                reviewDiff);
    }

    /** Confidence (higher: more likely right) of the items {@code idx} under a score. */
    static double[] confidences(Shifted s, String score, List<Integer> idx, FailurePredictor predictor) {
        double[] out = new double[idx.size()];
        for (int j = 0; j < out.length; j++) {
            int i = idx.get(j);
            if (score.equals(LEARNED)) {
                out[j] = predictor.confidence(s.inputs().get(i));
            } else {
                UncertaintyScore u = UncertaintyScore.fromName(score);
                out[j] = u.confidence(s.predictions().get(i).uncertainty().get(u));
            }
        }
        return out;
    }

    /** Bootstrap resamples of 0..n-1 as counts per item (a multiset), {@code b} of them. */
    private static long[][] resamples(int n, int b, SplittableRandom rng) {
        long[][] out = new long[b][n];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < n; i++) {
                out[r][rng.nextInt(n)]++;
            }
        }
        return out;
    }

    /** AUROC of a resample (items repeated by their count). */
    private static double aurocOf(double[] conf, boolean[] correct, long[] counts) {
        int total = 0;
        for (long c : counts) {
            total += (int) c;
        }
        double[] cf = new double[total];
        boolean[] ok = new boolean[total];
        int k = 0;
        for (int i = 0; i < counts.length; i++) {
            for (long c = 0; c < counts[i]; c++) {
                cf[k] = conf[i];
                ok[k++] = correct[i];
            }
        }
        return FailurePrediction.evaluate(cf, ok).auroc();
    }

    private static double rate(boolean[] flags, long[] counts) {
        long hit = 0;
        long total = 0;
        for (int i = 0; i < flags.length; i++) {
            total += counts[i];
            if (flags[i]) {
                hit += counts[i];
            }
        }
        return (double) hit / total;
    }

    /**
     * A two-level bootstrap of the mean over splits: each resample draws the splits with replacement and, within
     * each, that resample of its test items (paired: both scores on the same items), so the interval holds the
     * split-to-split variation (thresholds, training) as well as the test sampling. 2.5 and 97.5 percentiles.
     */
    private static Estimate interval(double[][] draws, double estimate, SplittableRandom rng) {
        int b = draws[0].length;
        int s = draws.length;
        double[] avg = new double[b];
        for (int r = 0; r < b; r++) {
            for (int k = 0; k < s; k++) {
                avg[r] += draws[rng.nextInt(s)][r] / s;
            }
        }
        Arrays.sort(avg);
        return new Estimate(estimate, avg[(int) Math.floor(0.025 * (b - 1))], avg[(int) Math.ceil(0.975 * (b - 1))]);
    }

    private static boolean[] pick(boolean[] v, List<Integer> idx) {
        boolean[] out = new boolean[idx.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = v[idx.get(j)];
        }
        return out;
    }

    private static Map<String, double[]> perScore(List<String> scores, int splits) {
        Map<String, double[]> m = new LinkedHashMap<>();
        scores.forEach(s -> m.put(s, new double[splits]));
        return m;
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    /** The mean over splits of each score's figures, per shift or per α. */
    private static <K> Map<K, Map<String, Double>> means(Map<K, Map<String, double[]>> m) {
        Map<K, Map<String, Double>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            Map<String, Double> inner = new LinkedHashMap<>();
            v.forEach((s, arr) -> inner.put(s, mean(arr)));
            out.put(k, inner);
        });
        return out;
    }
}
