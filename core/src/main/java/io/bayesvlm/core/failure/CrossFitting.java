package io.bayesvlm.core.failure;

import io.bayesvlm.core.head.UncertaintyScore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The learned failure predictor refitted from a stream of design labels, cross-fitted, and the choice of the routing
 * score ({@code routing.score: auto}) made on labels no candidate was trained on.
 *
 * <p>Labels arrive in order and fill windows of {@link Options#windowLabels} each. When window w closes:
 *
 * <ol>
 *   <li>every fixed score and the current candidate predictor (trained on windows before w, never on w) are
 *       compared on window w by their held-out review rate at α ({@link #reviewRate}); the lowest wins, and the
 *       candidate only if strictly lower than every fixed score. The {@link Selection} says which, with the
 *       figures;
 *   <li>a new candidate is trained on the last {@link Options#trainingWindows} windows, w included, and waits for
 *       window w + 1 to be judged on.
 * </ol>
 *
 * So no predictor is ever judged on a label it was trained on, and until one has beaten the fixed scores on labels
 * it never saw, routing uses the best fixed score. The selection is a choice, not a guarantee: the threshold of the
 * chosen score is certified afterwards, on later labels, as for any score (docs/guarantees.md).
 *
 * <p>Labels carry a weight, 1 / the probability that the item was labelled (1 for reviews, 1 / audit fraction for
 * audits), so that both the training sample and the comparison stand for the whole stream, not for the reviewed
 * part of it: training draws its sample with probabilities proportional to the weights, and the review rates are
 * weighted.
 */
public final class CrossFitting {

    /**
     * @param windowLabels labels per window (each is judged on, then trained on)
     * @param trainingWindows how many of the latest windows a candidate is trained on
     * @param alpha the error rate among automatic decisions the review rates are compared at
     * @param minWrong fewer wrong predictions than this in the training windows: no candidate is trained
     */
    public record Options(
            int windowLabels, int trainingWindows, double alpha, int minWrong, FailureTraining.Options training) {
        public Options {
            if (windowLabels < 10) {
                throw new IllegalArgumentException("windowLabels must be at least 10, got " + windowLabels);
            }
            if (trainingWindows < 1) {
                throw new IllegalArgumentException("trainingWindows must be at least 1, got " + trainingWindows);
            }
            if (!(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
            }
            if (minWrong < 1) {
                throw new IllegalArgumentException("minWrong must be at least 1, got " + minWrong);
            }
        }
    }

    /** One design label: the prediction as the predictor sees it, whether it was wrong, 1 / its propensity. */
    public record Label(FailureInput input, boolean wrong, double weight) {
        public Label {
            if (!(weight >= 1) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("a label's weight is 1 / its propensity, at least 1: " + weight);
            }
        }
    }

    /**
     * What routing should use after a window closed.
     *
     * @param score the chosen score's name (a fixed one, or {@link FailureStudy#LEARNED})
     * @param version the predictor's version when {@code learned} was chosen, else 0
     * @param predictor that predictor, or null
     * @param heldOutReviewRate every compared score's weighted review rate on the judged window
     * @param judgedFrom the judged window's first label (labels are numbered from 0 in arrival order)
     * @param judgedTo one past its last label
     * @param candidateVersion the version judged (0: none was ready)
     * @param candidateTrainedFrom the labels that version was trained on: [from, to)
     * @param judged that version's predictor (null: none was ready), chosen or not
     */
    public record Selection(
            String score,
            long version,
            FailurePredictor predictor,
            Map<String, Double> heldOutReviewRate,
            long judgedFrom,
            long judgedTo,
            long candidateVersion,
            long candidateTrainedFrom,
            long candidateTrainedTo,
            FailurePredictor judged) {}

    private record Window(long from, List<Label> labels) {
        long to() {
            return from + labels.size();
        }
    }

    private record Candidate(long version, FailurePredictor predictor, long trainedFrom, long trainedTo) {}

    private final double[][] text;
    private final Options options;
    private final FailureStudy.Trainer trainer;
    private final Deque<Window> closed = new ArrayDeque<>();
    private List<Label> open = new ArrayList<>();
    private long next;
    private long versions;
    private Candidate candidate;
    private long trainingFailures;
    private String lastTrainingFailure;

    public CrossFitting(double[][] text, Options options) {
        this(text, options, FailureTraining::fit);
    }

    /** @param trainer a seam for tests, which check what it is given */
    public CrossFitting(double[][] text, Options options, FailureStudy.Trainer trainer) {
        this.text = text;
        this.options = options;
        this.trainer = trainer;
    }

    /** Adds the next label; when it closes a window, the selection made on that window. */
    public Optional<Selection> add(Label label) {
        open.add(label);
        next++;
        if (open.size() < options.windowLabels()) {
            return Optional.empty();
        }
        Window w = new Window(next - open.size(), open);
        open = new ArrayList<>();
        Selection s = judge(w);
        closed.addLast(w);
        while (closed.size() > options.trainingWindows()) {
            closed.removeFirst();
        }
        train();
        return Optional.of(s);
    }

    private static final int STATE_FORMAT = 1;

    /**
     * Everything a restart needs (Flink state): the counters, the closed and the open window's labels, and the
     * candidate with its training range; not the options, which the job supplies again.
     */
    public void write(java.io.DataOutput out) throws java.io.IOException {
        out.writeInt(STATE_FORMAT);
        out.writeLong(next);
        out.writeLong(versions);
        out.writeInt(closed.size());
        for (Window w : closed) {
            out.writeLong(w.from());
            writeLabels(out, w.labels());
        }
        writeLabels(out, open);
        out.writeBoolean(candidate != null);
        if (candidate != null) {
            out.writeLong(candidate.version());
            out.writeLong(candidate.trainedFrom());
            out.writeLong(candidate.trainedTo());
            candidate.predictor().write(out);
        }
    }

    /** A cross-fitting restored from {@link #write}, for a model whose unit class text embeddings are {@code text}. */
    public static CrossFitting read(
            java.io.DataInput in, double[][] text, Options options, FailureStudy.Trainer trainer)
            throws java.io.IOException {
        int format = in.readInt();
        if (format != STATE_FORMAT) {
            throw new java.io.IOException(
                    "cross-fitting state format " + format + ", this version reads " + STATE_FORMAT);
        }
        CrossFitting c = new CrossFitting(text, options, trainer);
        c.next = in.readLong();
        c.versions = in.readLong();
        int windows = in.readInt();
        for (int i = 0; i < windows; i++) {
            long from = in.readLong();
            c.closed.addLast(new Window(from, readLabels(in)));
        }
        c.open = readLabels(in);
        if (in.readBoolean()) {
            long version = in.readLong();
            long from = in.readLong();
            long to = in.readLong();
            c.candidate = new Candidate(version, FailurePredictor.read(in, text), from, to);
        }
        return c;
    }

    private static void writeLabels(java.io.DataOutput out, List<Label> labels) throws java.io.IOException {
        out.writeInt(labels.size());
        for (Label l : labels) {
            FailureInput x = l.input();
            out.writeInt(x.predicted());
            out.writeBoolean(l.wrong());
            out.writeDouble(l.weight());
            for (double[] v : new double[][] {x.image(), x.logitsMean(), x.logitsVar(), x.scores()}) {
                out.writeInt(v.length);
                for (double d : v) {
                    out.writeDouble(d);
                }
            }
        }
    }

    private static List<Label> readLabels(java.io.DataInput in) throws java.io.IOException {
        int n = in.readInt();
        List<Label> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int predicted = in.readInt();
            boolean wrong = in.readBoolean();
            double weight = in.readDouble();
            double[][] v = new double[4][];
            for (int k = 0; k < v.length; k++) {
                v[k] = new double[in.readInt()];
                for (int j = 0; j < v[k].length; j++) {
                    v[k][j] = in.readDouble();
                }
            }
            out.add(new Label(new FailureInput(v[0], predicted, v[1], v[2], v[3]), wrong, weight));
        }
        return out;
    }

    /** Trainings that failed, each leaving the previous candidate in place; and why the last one did. */
    public long trainingFailures() {
        return trainingFailures;
    }

    public String lastTrainingFailure() {
        return lastTrainingFailure;
    }

    /** Labels received so far. */
    public long labels() {
        return next;
    }

    private Selection judge(Window w) {
        int n = w.labels().size();
        boolean[] wrong = new boolean[n];
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            wrong[i] = w.labels().get(i).wrong();
            weight[i] = w.labels().get(i).weight();
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        String best = null;
        for (UncertaintyScore u : UncertaintyScore.values()) {
            double[] conf = new double[n];
            for (int i = 0; i < n; i++) {
                conf[i] = u.confidence(w.labels().get(i).input().scores()[u.ordinal()]);
            }
            double r = reviewRate(conf, wrong, weight, options.alpha());
            rates.put(u.jsonName(), r);
            if (best == null || r < rates.get(best)) {
                best = u.jsonName();
            }
        }
        Candidate c = candidate;
        if (c != null) {
            if (c.trainedTo() > w.from()) {
                throw new IllegalStateException("candidate " + c.version() + " was trained on labels up to "
                        + c.trainedTo() + " and would be judged on labels from " + w.from());
            }
            double[] conf = new double[n];
            for (int i = 0; i < n; i++) {
                conf[i] = c.predictor().confidence(w.labels().get(i).input());
            }
            double r = reviewRate(conf, wrong, weight, options.alpha());
            rates.put(FailureStudy.LEARNED, r);
            if (r < rates.get(best)) {
                best = FailureStudy.LEARNED;
            }
        }
        boolean learned = FailureStudy.LEARNED.equals(best);
        return new Selection(
                best,
                learned ? c.version() : 0,
                learned ? c.predictor() : null,
                rates,
                w.from(),
                w.to(),
                c == null ? 0 : c.version(),
                c == null ? 0 : c.trainedFrom(),
                c == null ? 0 : c.trainedTo(),
                c == null ? null : c.predictor());
    }

    private void train() {
        List<Label> all = new ArrayList<>();
        closed.forEach(w -> all.addAll(w.labels()));
        int wrongs = 0;
        for (Label l : all) {
            wrongs += l.wrong() ? 1 : 0;
        }
        if (wrongs < options.minWrong() || wrongs == all.size()) {
            return; // keep the last candidate: it is still trained only on labels before the next window
        }
        long version = versions + 1;
        List<FailureInput> inputs = new ArrayList<>();
        boolean[] wrong = new boolean[all.size()];
        SplittableRandom rng = new SplittableRandom(options.training().seed() * 1_000_003L + version);
        for (int i : weightedDraw(all, rng)) {
            wrong[inputs.size()] = all.get(i).wrong();
            inputs.add(all.get(i).input());
        }
        FailurePredictor p;
        try {
            p = trainer.fit(inputs, wrong, text, options.training().withSeed(version));
        } catch (RuntimeException e) {
            // A training that fails (the engine's gradients not finite too often) must not fail the stream: replayed
            // after a restart it would fail again. The last candidate stays; it saw only earlier labels.
            trainingFailures++;
            lastTrainingFailure = e.toString();
            return;
        }
        versions = version;
        candidate = new Candidate(
                version, p, closed.peekFirst().from(), closed.peekLast().to());
    }

    /**
     * As many draws as labels, with replacement, each label drawn with probability proportional to its weight, so
     * the sample stands for the stream (an audited automatic decision stands for 1 / audit fraction of them).
     * Unweighted labels are taken once each, in order.
     */
    static int[] weightedDraw(List<Label> labels, SplittableRandom rng) {
        int n = labels.size();
        double[] cumulative = new double[n];
        double total = 0;
        boolean uniform = true;
        for (int i = 0; i < n; i++) {
            total += labels.get(i).weight();
            cumulative[i] = total;
            uniform &= labels.get(i).weight() == labels.get(0).weight();
        }
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            if (uniform) {
                out[k] = k;
                continue;
            }
            int i = Arrays.binarySearch(cumulative, rng.nextDouble() * total);
            out[k] = Math.min(n - 1, i >= 0 ? i + 1 : -i - 1);
        }
        return out;
    }

    /**
     * The weighted share of items a threshold on {@code confidence} must send to review so that the weighted error
     * rate among the items it decides automatically (confidence at or above it) is at most {@code alpha}: the
     * lowest such share over every threshold (each distinct confidence, and none automatic). A plug-in estimate for
     * comparing scores on the same labels; the certification of the chosen score's threshold is done elsewhere.
     */
    public static double reviewRate(double[] confidence, boolean[] wrong, double[] weight, double alpha) {
        int n = confidence.length;
        Integer[] order = new Integer[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            order[i] = i;
            total += weight[i];
        }
        // a confidence that is not a number is the least confident: never decided automatically ahead of a number
        Arrays.sort(order, (a, b) -> Double.compare(orLowest(confidence[b]), orLowest(confidence[a])));
        double auto = 0;
        double errors = 0;
        double bestAuto = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            if (Double.isNaN(confidence[i])) {
                break; // sorted last, and never at or above any threshold
            }
            auto += weight[i];
            errors += wrong[i] ? weight[i] : 0;
            boolean thresholdHere = k == n - 1 || orLowest(confidence[order[k + 1]]) < orLowest(confidence[i]);
            if (thresholdHere && errors <= alpha * auto) {
                bestAuto = auto;
            }
        }
        return total > 0 ? 1 - bestAuto / total : 1;
    }

    private static double orLowest(double c) {
        return Double.isNaN(c) ? Double.NEGATIVE_INFINITY : c;
    }
}
