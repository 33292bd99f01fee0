package io.bayesvlm.core.metrics;

import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.Uncertainty;
import io.bayesvlm.core.head.UncertaintyScore;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores activations with MAP CLIP, BayesVLM (probit) and BayesVLM (Monte Carlo) and summarises each with
 * {@link Calibration} and, per uncertainty score, {@link FailurePrediction}.
 */
public final class Evaluation {

    /** The three ways of turning logits into probabilities that are compared. */
    public enum Method {
        MAP("MAP (CLIP)"),
        PROBIT("BayesVLM probit"),
        MC("BayesVLM MC");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * Metrics of one method. Failure prediction is keyed by score; MAP has no variance-based scores.
     * {@code skippedNonFinite}: items left out of every method because their prediction was not finite.
     */
    public record MethodResult(
            Calibration.Report calibration,
            Map<UncertaintyScore, FailurePrediction.Result> failure,
            int skippedNonFinite) {}

    private Evaluation() {}

    /**
     * @param head the model's Laplace head (any predictive mode; probit and MC are both computed here)
     * @param mc Monte Carlo predictive used for the MC method and mutual information
     */
    public static Map<Method, MethodResult> run(
            LaplaceHead head, Predictive mc, float[][] activations, int[] allLabels, int bins) {
        // A prediction with a NaN or infinite value is left out of every method (so all compare the same items) and
        // counted; its scores would otherwise poison the averages and the rankings.
        List<Prediction> predictions = new ArrayList<>(activations.length);
        List<Integer> labelList = new ArrayList<>(activations.length);
        for (int i = 0; i < activations.length; i++) {
            Prediction p = head.predict(activations[i]);
            if (p.isFinite()) {
                predictions.add(p);
                labelList.add(allLabels[i]);
            }
        }
        int skipped = activations.length - predictions.size();
        int[] labels = labelList.stream().mapToInt(Integer::intValue).toArray();
        int n = predictions.size();
        Map<Method, List<double[]>> probs = new EnumMap<>(Method.class);
        Map<Method, List<Uncertainty>> scores = new EnumMap<>(Method.class);
        for (Method m : Method.values()) {
            probs.put(m, new ArrayList<>(n));
            scores.put(m, new ArrayList<>(n));
        }
        for (Prediction p : predictions) {
            double[] zero = new double[p.logitsVar().length];
            Predictive.McResult mcResult = mc.monteCarlo(p.logitsMean(), p.logitsVar());
            double[] probit = Predictive.probit(p.logitsMean(), p.logitsVar());
            add(probs, scores, Method.MAP, p.mapProbs(), zero, new Predictive.McResult(p.mapProbs(), 0));
            add(probs, scores, Method.PROBIT, probit, p.logitsVar(), mcResult);
            add(probs, scores, Method.MC, mcResult.meanProbs(), p.logitsVar(), mcResult);
        }
        Map<Method, MethodResult> out = new LinkedHashMap<>();
        for (Method m : Method.values()) {
            Calibration.Report report = Calibration.evaluate(probs.get(m), labels, bins);
            Map<UncertaintyScore, FailurePrediction.Result> failure = new EnumMap<>(UncertaintyScore.class);
            boolean[] correct = new boolean[n];
            for (int i = 0; i < n; i++) {
                correct[i] = Uncertainty.argmax(probs.get(m).get(i)) == labels[i];
            }
            for (UncertaintyScore s : scoresFor(m)) {
                double[] confidence = new double[n];
                for (int i = 0; i < n; i++) {
                    confidence[i] = s.confidence(scores.get(m).get(i).get(s));
                }
                failure.put(s, FailurePrediction.evaluate(confidence, correct));
            }
            out.put(m, new MethodResult(report, failure, skipped));
        }
        return out;
    }

    /** Temperatures fitted on labelled items: MAP's (on ln p) and BayesVLM probit's (on μ / sqrt(1 + π v / 8)). */
    public record Temperatures(double map, double probit) {}

    /** MAP's logits (ln of its probabilities) and BayesVLM's probit logits of one prediction. */
    private static double[][] logits(Prediction p) {
        double[] z = new double[p.logitsMean().length];
        for (int c = 0; c < z.length; c++) {
            z[c] = p.logitsMean()[c] / Math.sqrt(1 + Math.PI * p.logitsVar()[c] / 8);
        }
        return new double[][] {TemperatureScaling.logitsOf(p.mapProbs()), z};
    }

    /** The items' MAP and probit logits and labels (non-finite predictions left out). */
    private record Logits(List<double[]> map, List<double[]> probit, int[] labels) {
        static Logits of(LaplaceHead head, float[][] activations, int[] labels) {
            List<double[]> map = new ArrayList<>();
            List<double[]> probit = new ArrayList<>();
            List<Integer> y = new ArrayList<>();
            for (int i = 0; i < activations.length; i++) {
                Prediction p = head.predict(activations[i]);
                if (p.isFinite()) {
                    double[][] z = logits(p);
                    map.add(z[0]);
                    probit.add(z[1]);
                    y.add(labels[i]);
                }
            }
            return new Logits(
                    map, probit, y.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /** Fits both temperatures by NLL on the given items (non-finite predictions left out). */
    public static Temperatures fitTemperatures(LaplaceHead head, float[][] activations, int[] labels) {
        Logits l = Logits.of(head, activations, labels);
        return new Temperatures(
                TemperatureScaling.fit(l.map(), l.labels(), null),
                TemperatureScaling.fit(l.probit(), l.labels(), null));
    }

    /** Calibration of MAP and BayesVLM probit after temperature scaling: [0] MAP, [1] BayesVLM. */
    public static Calibration.Report[] withTemperatures(
            LaplaceHead head, float[][] activations, int[] labels, int bins, Temperatures t) {
        Logits l = Logits.of(head, activations, labels);
        return new Calibration.Report[] {
            Calibration.evaluate(
                    l.map().stream()
                            .map(z -> TemperatureScaling.apply(z, t.map()))
                            .toList(),
                    l.labels(),
                    bins),
            Calibration.evaluate(
                    l.probit().stream()
                            .map(z -> TemperatureScaling.apply(z, t.probit()))
                            .toList(),
                    l.labels(),
                    bins)
        };
    }

    /** The uncertainty scores that make sense for a method (MAP has no logit variances). */
    public static List<UncertaintyScore> scoresFor(Method m) {
        return m == Method.MAP
                ? List.of(
                        UncertaintyScore.MAX_PROB,
                        UncertaintyScore.ENTROPY,
                        UncertaintyScore.MARGIN,
                        UncertaintyScore.DOCTOR)
                : List.of(UncertaintyScore.values());
    }

    private static void add(
            Map<Method, List<double[]>> probs,
            Map<Method, List<Uncertainty>> scores,
            Method m,
            double[] p,
            double[] var,
            Predictive.McResult mc) {
        probs.get(m).add(p);
        scores.get(m).add(Uncertainty.of(p, var, mc));
    }
}
