package io.bayesvlm.core.head;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.RandomHeads;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.model.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched float32 head on libtorch agrees with the double-precision reference ({@link LaplaceHead#predict}):
 * logit means and variances within 1e-4 relative (to the largest magnitude of the vector), every probability and the
 * Monte Carlo mean within 1e-5 absolute; at ViT-B/32 sizes (Dv = 768, D = 512) with K = 1000 and on the fixture.
 */
class BatchedHeadTest {

    static void assertAgrees(LaplaceHead head, float[][] activations) {
        try (BatchedHead batched = new BatchedHead(head, Device.cpu())) {
            List<Prediction> got = batched.predict(activations);
            assertThat(got).hasSize(activations.length);
            for (int i = 0; i < activations.length; i++) {
                Prediction ref = head.predict(activations[i]);
                Prediction p = got.get(i);
                relative(p.logitsMean(), ref.logitsMean(), 1e-4, "logits mean", i);
                relative(p.logitsVar(), ref.logitsVar(), 1e-4, "logits var", i);
                absolute(p.probs(), ref.probs(), 1e-5, "probs", i);
                absolute(p.mapProbs(), ref.mapProbs(), 1e-5, "map probs", i);
                assertThat(p.predicted()).isEqualTo(ref.predicted());
                for (UncertaintyScore s : UncertaintyScore.values()) {
                    assertThat(p.uncertainty().get(s))
                            .as("%s of item %d", s, i)
                            .isCloseTo(
                                    ref.uncertainty().get(s),
                                    org.assertj.core.data.Offset.offset(1e-4
                                            * Math.max(
                                                    1,
                                                    Math.abs(ref.uncertainty().get(s)))));
                }
            }
        }
    }

    static void relative(double[] got, double[] ref, double tol, String what, int item) {
        double scale = 0;
        for (double r : ref) {
            scale = Math.max(scale, Math.abs(r));
        }
        for (int c = 0; c < ref.length; c++) {
            assertThat(Math.abs(got[c] - ref[c]))
                    .as("%s[%d] of item %d: %s vs %s", what, c, item, got[c], ref[c])
                    .isLessThanOrEqualTo(tol * scale);
        }
    }

    static void absolute(double[] got, double[] ref, double tol, String what, int item) {
        for (int c = 0; c < ref.length; c++) {
            assertThat(Math.abs(got[c] - ref[c]))
                    .as("%s[%d] of item %d", what, c, item)
                    .isLessThanOrEqualTo(tol);
        }
    }

    static float[][] activations(Random rng, int n, int dv) {
        float[][] a = new float[n][dv];
        for (float[] row : a) {
            for (int j = 0; j < dv; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        return a;
    }

    @Test
    void agreesWithTheReferenceAtVitB32SizesWithAThousandClasses() {
        Random rng = new Random(32);
        int d = 512;
        int dv = 768;
        int k = 1000;
        // covariance scale chosen so that logit variances are O(0.1-1) at logit scale 100, as with real factors
        var arrays = RandomHeads.head(rng, d, dv, 512, k, 0.1);
        float[][] act = activations(rng, 20, dv);
        for (Predictive.Mode mode : Predictive.Mode.values()) {
            // 150 draws: Monte Carlo blocks of 64, 64 and 22
            LaplaceHead head = new LaplaceHead(arrays, 100, k, new Predictive(mode, 150, 7L, k));
            // a meaningful regime: logit variances neither negligible nor swamping the means
            double v = java.util.Arrays.stream(head.predict(act[0]).logitsVar())
                    .average()
                    .orElseThrow();
            System.out.printf("ViT-B/32-sized head (%s): mean logit variance %.3g%n", mode, v);
            assertThat(v).isBetween(1e-3, 1e3);
            assertAgrees(head, act);
        }
    }

    @Test
    void agreesWithTheReferenceWhereClassesLieFarBelowTheBest() {
        // In a 3-dimensional embedding space the cosines of random classes cover most of [-1, 1]: at logit scale 100
        // the mean logits spread over more than 100, so draws below e^-87 (subnormal float32) occur and the Monte
        // Carlo pass clamps them. The result must still be the reference's.
        Random rng = new Random(33);
        int k = 300;
        var arrays = RandomHeads.head(rng, 3, 96, 64, k, 0.01);
        LaplaceHead head = new LaplaceHead(arrays, 100, k, new Predictive(Predictive.Mode.MC, 100, 3L, k));
        float[][] act = activations(rng, 9, 96);
        for (float[] a : act) {
            double[] mu = head.predict(a).logitsMean();
            double spread = java.util.Arrays.stream(mu).max().orElseThrow()
                    - java.util.Arrays.stream(mu).min().orElseThrow();
            assertThat(spread).as("spread of the mean logits").isGreaterThan(100);
        }
        assertAgrees(head, act);
    }

    @Test
    void aPredictionLeavesNoArraysBehind() {
        var arrays = RandomHeads.head(new Random(5), 64, 96, 64, 50, 0.1);
        LaplaceHead head = new LaplaceHead(arrays, 100, 50, new Predictive(Predictive.Mode.PROBIT, 32, 1L, 50));
        try (BatchedHead batched = new BatchedHead(head, Device.cpu())) {
            int constants = batched.heldArrays();
            for (int i = 0; i < 3; i++) {
                batched.predict(activations(new Random(i), 21, 96));
                assertThat(batched.heldArrays())
                        .as("arrays held after prediction %d", i)
                        .isEqualTo(constants);
            }
        }
    }

    @Test
    void agreesWithTheReferenceOnTheFixtureModel() throws Exception {
        LaplaceHead head = BayesVlmModel.loadHead(ModelSpec.load(Fixture.model()), ScoringOptions.DEFAULTS);
        assertAgrees(head, activations(new Random(1), 37, head.activationDim()));
    }

    @Test
    void theBatchedHeadIsUsedWhereItPays() throws Exception {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        LaplaceHead builtIn =
                BayesVlmModel.loadHead(ModelSpec.load(root.resolve("models/fashion-clip")), ScoringOptions.DEFAULTS);
        assertThat(BatchedHead.pays(builtIn, Device.cpu())).isFalse();
        assertThat(BatchedHead.pays(builtIn, Device.gpu(0))).isTrue();
        var vit = RandomHeads.head(new Random(1), 512, 768, 512, 10, 0.1);
        assertThat(BatchedHead.pays(
                        new LaplaceHead(vit, 100, 10, new Predictive(Predictive.Mode.PROBIT, 256, 0L, 10)),
                        Device.cpu()))
                .isTrue();
    }
}
