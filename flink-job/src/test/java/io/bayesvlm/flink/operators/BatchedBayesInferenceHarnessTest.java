package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.flink.records.DecodedImage;
import io.bayesvlm.flink.records.ScoredImage;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Batching rules of the inference operator, with the real default model on CPU. */
class BatchedBayesInferenceHarnessTest {

    private OneInputStreamOperatorTestHarness<DecodedImage, ScoredImage> h;

    @BeforeEach
    void open() throws Exception {
        ScoringOptions options =
                new ScoringOptions(DeviceSpec.CPU, 4, Predictive.Mode.PROBIT, 32, 0, ImageLimits.DEFAULTS);
        h = new OneInputStreamOperatorTestHarness<>(
                new BatchedBayesInference(RouteByUncertaintyHarnessTest.MODEL, options, 50));
        h.setProcessingTime(0);
        h.open();
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** A uniform grey 28 x 28 image at the built-in model's resolution. */
    static DecodedImage image(String id, int grey) {
        DecodedImage d = new DecodedImage();
        d.eventId = id;
        d.eventTime = 1;
        d.source = "t";
        d.image = new byte[0];
        d.pixels = new byte[28 * 28];
        java.util.Arrays.fill(d.pixels, (byte) grey);
        return d;
    }

    /**
     * The real model, except that items whose id starts with "nan" get a NaN in their MAP probabilities: 8-bit pixels
     * cannot make the built-in model's scores non-finite, a broken model can.
     */
    static final class BrokenForSomeItems extends BatchedBayesInference {
        BrokenForSomeItems(String modelDir, ScoringOptions options, long maxWaitMillis) {
            super(modelDir, options, maxWaitMillis);
        }

        @Override
        protected Scored score(List<DecodedImage> images) {
            Scored scored = super.score(images);
            List<Prediction> real = scored.predictions();
            List<Prediction> out = new java.util.ArrayList<>(real.size());
            for (int i = 0; i < real.size(); i++) {
                Prediction p = real.get(i);
                if (images.get(i).eventId.startsWith("nan")) {
                    double[] map = p.mapProbs().clone();
                    map[0] = Double.NaN;
                    p = new Prediction(p.predicted(), p.probs(), map, p.logitsMean(), p.logitsVar(), p.uncertainty());
                }
                out.add(p);
            }
            return new Scored(out, scored.failureProbability(), scored.imageMeans());
        }
    }

    private List<ScoredImage> out() {
        return h.extractOutputValues();
    }

    @Test
    void aFullBatchRunsAtOnce() throws Exception {
        for (int i = 0; i < 4; i++) {
            h.processElement(new StreamRecord<>(image("i" + i, i * 60), 100 + i));
        }
        assertThat(out()).extracting(s -> s.eventId).containsExactly("i0", "i1", "i2", "i3");
        assertThat(out().get(0).probs).hasSize(10);
        assertThat(h.getOutput())
                .filteredOn(o -> o instanceof StreamRecord<?>)
                .extracting(o -> ((StreamRecord<?>) o).getTimestamp())
                .containsExactly(100L, 101L, 102L, 103L);
    }

    @Test
    void anImageWithNonFiniteScoresBecomesADeadLetterNeverAPrediction() throws Exception {
        h.close();
        h = new OneInputStreamOperatorTestHarness<>(new BrokenForSomeItems(
                RouteByUncertaintyHarnessTest.MODEL,
                new ScoringOptions(DeviceSpec.CPU, 4, Predictive.Mode.PROBIT, 32, 0, ImageLimits.DEFAULTS),
                50));
        h.open();
        DecodedImage bad = image("nan", 50);
        bad.image = new byte[] {1, 2, 3};
        bad.origin = new io.bayesvlm.flink.records.RawRecord("k".getBytes(), null, "images", 1, 42, 7);
        h.processElement(new StreamRecord<>(image("ok-1", 50), 1));
        h.processElement(new StreamRecord<>(bad, 2));
        h.processElement(new StreamRecord<>(image("nan-2", 100), 3));
        h.processElement(new StreamRecord<>(image("ok-2", 100), 4));
        // the two good ones are scored with finite values; the others never reach routing
        assertThat(out()).extracting(s -> s.eventId).containsExactly("ok-1", "ok-2");
        assertThat(out())
                .allSatisfy(s -> assertThat(java.util.Arrays.stream(s.probs).allMatch(Double::isFinite))
                        .isTrue());
        var dead = h.getSideOutput(DeadLetterOutput.TAG);
        assertThat(dead).extracting(r -> r.getValue().getEventId()).containsExactly("nan", "nan-2");
        var first = dead.peek().getValue();
        assertThat(first.getErrorCode()).isEqualTo("NON_FINITE_SCORE");
        assertThat(first.getErrorMessage()).contains("non-finite").contains("=NaN");
        assertThat(first.getTopic()).isEqualTo("images");
        assertThat(first.getPartition()).isEqualTo(1);
        assertThat(first.getOffset()).isEqualTo(42);
        assertThat(new String(first.getKey().array())).isEqualTo("k");
        assertThat(first.getValue().array()).containsExactly(1, 2, 3);
        assertThat(dead.peek().getTimestamp()).isEqualTo(2);
    }

    @Test
    void aPartialBatchWaitsAtMostMaxWait() throws Exception {
        h.processElement(new StreamRecord<>(image("a", 20), 1));
        h.processElement(new StreamRecord<>(image("b", 40), 2));
        h.setProcessingTime(49);
        assertThat(out()).isEmpty();
        h.setProcessingTime(50);
        assertThat(out()).extracting(s -> s.eventId).containsExactly("a", "b");
    }

    @Test
    void aWatermarkWaitsForTheBufferedImagesWithoutCuttingTheBatch() throws Exception {
        h.processWatermark(new Watermark(5));
        assertThat(h.getOutput().poll()).as("nothing buffered: at once").isEqualTo(new Watermark(5));

        h.processElement(new StreamRecord<>(image("a", 20), 1));
        h.processWatermark(new Watermark(10));
        h.processElement(new StreamRecord<>(image("b", 40), 11));
        h.processWatermark(new Watermark(12));
        assertThat(h.getOutput()).as("held with the batch").isEmpty();
        h.processElement(new StreamRecord<>(image("c", 60), 12));
        h.processElement(new StreamRecord<>(image("d", 80), 13));
        // The full batch runs as one; its images go out before the latest watermark, so none is late downstream.
        assertThat(h.getOutput()).hasSize(5);
        for (String id : List.of("a", "b", "c", "d")) {
            assertThat(((ScoredImage) ((StreamRecord<?>) h.getOutput().poll()).getValue()).eventId)
                    .isEqualTo(id);
        }
        assertThat(h.getOutput().poll()).isEqualTo(new Watermark(12));
    }

    @Test
    void aHeldWatermarkGoesOnWithAPartialBatchAtMaxWait() throws Exception {
        h.processElement(new StreamRecord<>(image("a", 20), 1));
        h.processWatermark(new Watermark(10));
        h.setProcessingTime(50);
        assertThat(h.getOutput()).hasSize(2);
        assertThat(h.getOutput().poll()).isInstanceOf(StreamRecord.class);
        assertThat(h.getOutput().poll()).isEqualTo(new Watermark(10));
    }

    @Test
    void aCheckpointFlushesTheBufferFirst() throws Exception {
        h.processElement(new StreamRecord<>(image("b", 40), 11));
        h.prepareSnapshotPreBarrier(1);
        assertThat(out()).extracting(s -> s.eventId).containsExactly("b");
    }

    @Test
    void batchedScoresEqualSingleScores() throws Exception {
        for (int i = 0; i < 4; i++) {
            h.processElement(new StreamRecord<>(image("i" + i, i * 60 + 10), i));
        }
        List<ScoredImage> batched = out();
        h.getOutput().clear();
        for (int i = 0; i < 4; i++) {
            h.processElement(new StreamRecord<>(image("i" + i, i * 60 + 10), i));
            h.prepareSnapshotPreBarrier(i);
        }
        List<ScoredImage> single = out();
        for (int i = 0; i < 4; i++) {
            for (int c = 0; c < 10; c++) {
                assertThat(batched.get(i).probs[c])
                        .isCloseTo(single.get(i).probs[c], org.assertj.core.api.Assertions.within(1e-5));
            }
        }
    }
}
