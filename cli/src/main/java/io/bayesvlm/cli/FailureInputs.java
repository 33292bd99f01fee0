package io.bayesvlm.cli;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.failure.FailureInput;
import io.bayesvlm.core.failure.FailureStudy;
import io.bayesvlm.core.head.Prediction;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The head's predictions and the failure predictor's inputs for a data set's activations (finite ones only). */
final class FailureInputs {
    private FailureInputs() {}

    /** Predictions and inputs of every image; {@code keep[i]} false where the head's output is not finite. */
    static FailureStudy.Shifted of(String shift, BayesVlmModel m, Activations.Result act, boolean[] keep) {
        List<Prediction> predictions = new ArrayList<>();
        List<FailureInput> inputs = new ArrayList<>();
        for (int i = 0; i < act.activations().length; i++) {
            Prediction p = m.head().predict(act.activations()[i]);
            if (!p.isFinite()) {
                keep[i] = false;
            }
            predictions.add(p);
            inputs.add(FailureInput.of(m.head().embedImage(act.activations()[i]), p));
        }
        return new FailureStudy.Shifted(shift, predictions, inputs);
    }

    /**
     * Training material for the predictor: the clean predictions of labelled images that have a finite output,
     * each marked wrong or right against its label. Refuses material with nothing to learn from.
     */
    static FailureStudy.Pool labelled(BayesVlmModel m, LabelledImages images, long seed, PrintWriter err, String what) {
        Activations.Result act = Activations.all(m, images, ImageShift.NONE, 1, seed, new Progress(err, what));
        boolean[] keep = new boolean[act.activations().length];
        Arrays.fill(keep, true);
        FailureStudy.Shifted s = kept(of("none", m, act, keep), keep);
        boolean[] wrong = new boolean[s.inputs().size()];
        int wrongs = 0;
        for (int i = 0, j = 0; i < keep.length; i++) {
            if (keep[i]) {
                wrong[j] = s.predictions().get(j).predicted() != act.labels()[i];
                wrongs += wrong[j++] ? 1 : 0;
            }
        }
        if (wrongs == 0 || wrongs == wrong.length) {
            throw new IllegalArgumentException("the predictions on " + what + " are all "
                    + (wrongs == 0 ? "right" : "wrong") + ": nothing to learn failures from");
        }
        return new FailureStudy.Pool(s.inputs(), wrong);
    }

    static int wrongs(FailureStudy.Pool p) {
        int n = 0;
        for (boolean w : p.wrong()) {
            n += w ? 1 : 0;
        }
        return n;
    }

    /** Only the kept images. */
    static FailureStudy.Shifted kept(FailureStudy.Shifted s, boolean[] keep) {
        List<Prediction> p = new ArrayList<>();
        List<FailureInput> in = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                p.add(s.predictions().get(i));
                in.add(s.inputs().get(i));
            }
        }
        return new FailureStudy.Shifted(s.shift(), p, in);
    }
}
