package io.bayesvlm.core.laplace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.data.Activations;
import io.bayesvlm.core.data.ClassFolderImages;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.LabelledImages;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.ProbCosine;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.model.NpyArray;
import io.bayesvlm.core.model.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fitting pass with the real TorchScript fixture, against sums recomputed here from its activations. */
class LaplaceFitterTest {

    @Test
    void factorsEqualSumsOverTheDataDividedBySqrtN(@TempDir Path dir) throws IOException {
        LabelledImages data = classFolders(dir);
        Map<String, NpyArray> head = Npz.read(Fixture.model().resolve("head.npz"));
        try (BayesVlmModel m =
                BayesVlmModel.load(Fixture.model(), ScoringOptions.DEFAULTS.withDevice(DeviceSpec.CPU))) {
            int contrastive = 3;
            LaplaceFitter.Raw raw = LaplaceFitter.accumulate(m, head, data, contrastive, Activations.Progress.NONE);
            Activations.Result act = Activations.all(m, data, ImageShift.NONE, 1, 0, Activations.Progress.NONE);
            int n = act.labels().length;
            assertThat(raw.image().n()).isEqualTo(n);

            NpyArray wImg = head.get(LaplaceHead.IMAGE_PROJECTION);
            NpyArray wTxt = head.get(LaplaceHead.TEXT_PROJECTION);
            NpyArray cls = head.get(LaplaceHead.CLASS_TEXT_ACTIVATIONS);
            double s = m.spec().logitScale();
            int dv = wImg.cols();
            int d = wImg.rows();
            int dt = wTxt.cols();
            double[][] classEmb = new double[cls.rows()][];
            for (int c = 0; c < cls.rows(); c++) {
                classEmb[c] = ProbCosine.matVec(wTxt, Arrays.copyOfRange(cls.data(), c * dt, (c + 1) * dt));
            }
            double[] a = new double[dv * dv];
            double[] b = new double[d * d];
            double[] ta = new double[dt * dt];
            double[] tb = new double[d * d];
            for (int start = 0; start < n; start += contrastive) {
                int end = Math.min(n, start + contrastive);
                double[][] batchEmb = new double[end - start][];
                for (int i = start; i < end; i++) {
                    float[] x = act.activations()[i];
                    batchEmb[i - start] = ProbCosine.matVec(wImg, x);
                    addOuter(a, x);
                    add(b, InfoNceGgn.compute(batchEmb[i - start], InfoNceGgn.normaliseRows(classEmb), s));
                }
                for (int i = start; i < end; i++) {
                    int label = act.labels()[i];
                    addOuter(ta, Arrays.copyOfRange(cls.data(), label * dt, (label + 1) * dt));
                    add(tb, InfoNceGgn.compute(classEmb[label], InfoNceGgn.normaliseRows(batchEmb), s));
                }
            }
            double root = Math.sqrt(n);
            assertScaled(raw.image().a(), a, root);
            assertScaled(raw.image().b(), b, root);
            assertScaled(raw.text().a(), ta, root);
            assertScaled(raw.text().b(), tb, root);

            // The posterior written to head.npz is what LaplaceHead then reads; refitting from stored raw works.
            List<LaplaceFitter.Candidate> cands = LaplaceFitter.candidates(raw, head, s, new double[] {1, 4}, act);
            assertThat(cands).hasSize(2);
            assertThat(cands.get(0).validationNll()).isFinite();
            Map<String, NpyArray> fitted = LaplaceFitter.withPosterior(head, raw, LaplaceFitter.best(cands));
            LaplaceFitter.Raw stored = LaplaceFitter.readRaw(fitted);
            assertThat(stored.image().n()).isEqualTo(n);
            assertThat(fitted.get(LaplaceFitter.PSEUDO_COUNT).data()[0]).isIn(1f, 4f);
        }
    }

    @Test
    void defaultGridIsLogSpacedUpToN() {
        assertThat(LaplaceFitter.defaultGrid(120))
                .containsExactly(
                        1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100,
                        120);
        assertThat(LaplaceFitter.defaultGrid(1))
                .containsExactly(1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1);
        assertThatThrownBy(() -> LaplaceFitter.defaultGrid(0)).hasMessageContaining("--pseudo-counts");
    }

    @Test
    void refitWithoutStoredFactorsExplainsWhy() throws IOException {
        Map<String, NpyArray> head = Npz.read(Fixture.model().resolve("head.npz"));
        assertThatThrownBy(() -> LaplaceFitter.readRaw(head)).hasMessageContaining("run fit on data first");
    }

    static LabelledImages classFolders(Path dir) throws IOException {
        return ClassFolderImages.load(
                Fixture.classFolders(dir), List.of("cat", "dog", "car", "tree"), ImageLimits.DEFAULTS);
    }

    private static void addOuter(double[] m, float[] x) {
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                m[i * x.length + j] += (double) x[i] * x[j];
            }
        }
    }

    private static void add(double[] m, double[] h) {
        for (int i = 0; i < m.length; i++) {
            m[i] += h[i];
        }
    }

    private static void assertScaled(double[] actual, double[] sum, double root) {
        for (int i = 0; i < sum.length; i++) {
            // The encoder ran with other batch sizes here than in the pass: float32 results differ in the last bits.
            assertThat(actual[i]).isCloseTo(sum[i] / root, within(1e-5 * (1 + Math.abs(sum[i]))));
        }
    }
}
