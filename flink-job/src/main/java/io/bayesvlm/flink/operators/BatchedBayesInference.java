package io.bayesvlm.flink.operators;

import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.FailurePredictor;
import io.bayesvlm.core.head.Prediction;
import io.bayesvlm.core.head.UncertaintyScore;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.flink.records.DecodedImage;
import io.bayesvlm.flink.records.ScoredImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores decoded images with the BayesVLM model in batches: a batch is run when it reaches the maximum size
 * or when its oldest image has waited the maximum time. The model is loaded once per subtask in
 * {@link #open()}, on the GPU Flink assigned to it if any ({@link GpuSelection}).
 *
 * <p>Exactly-once without state: the buffer is flushed before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}), hence a checkpoint never holds buffered images. A watermark that arrives while
 * images are buffered is held and forwarded right after them (so no buffered image becomes late downstream); it waits
 * at most {@code inference.max-wait}.
 */
public class BatchedBayesInference extends AbstractStreamOperator<ScoredImage>
        implements OneInputStreamOperator<DecodedImage, ScoredImage>, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BatchedBayesInference.class);

    private final String modelDir;
    private final ScoringOptions options;
    private final long maxWaitMillis;
    private final boolean learnedScore;
    private final boolean embeddings;

    private transient BayesVlmModel model;
    /** routing.score=learned: the model directory's failure predictor, run on the same encoder pass. */
    private transient FailurePredictor failure;

    private transient List<StreamRecord<DecodedImage>> buffer;
    private transient long timerAt;
    /** The latest watermark that arrived while images were buffered; forwarded right after they are. */
    private transient Watermark heldWatermark;

    private transient Histogram batchSizes;
    private transient Histogram inferenceMillis;
    private transient Meter throughput;

    public BatchedBayesInference(String modelDir, ScoringOptions options, long maxWaitMillis) {
        this(modelDir, options, maxWaitMillis, false, false);
    }

    /**
     * @param learnedScore also compute each image's P(wrong) under MODEL/failure.npz (routing.score=learned)
     * @param embeddings send each image embedding's mean along (failure.learn: what the failure predictor learns from)
     */
    public BatchedBayesInference(
            String modelDir, ScoringOptions options, long maxWaitMillis, boolean learnedScore, boolean embeddings) {
        this.modelDir = modelDir;
        this.options = options;
        this.maxWaitMillis = maxWaitMillis;
        this.learnedScore = learnedScore;
        this.embeddings = embeddings;
    }

    @Override
    public void open() throws Exception {
        super.open();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        Set<String> gpus = getRuntimeContext().getExternalResourceInfos("gpu").stream()
                .map(info -> info.getProperty("index").orElse(""))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        DeviceSpec device = GpuSelection.choose(options.device(), gpus, subtask);
        model = BayesVlmModel.load(Path.of(modelDir), options.withDevice(device));
        LOG.info(
                "subtask {} loaded model {} ({}) on {} (assigned GPUs: {})",
                subtask,
                model.spec().name(),
                model.spec().version(),
                device,
                gpus);
        if (learnedScore) {
            failure = FailurePredictor.load(
                    Path.of(modelDir).resolve(FailurePredictor.FILE),
                    model.head().unitClassEmbeddings());
            LOG.info("subtask {} routes on the learned failure predictor {}", subtask, failure.version());
        }
        buffer = new ArrayList<>(options.batchSize());
        timerAt = -1;
        batchSizes = getMetricGroup().histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
        inferenceMillis = getMetricGroup().histogram("inferenceLatencyMs", new DescriptiveStatisticsHistogram(1000));
        throughput = getMetricGroup().meter("imagesPerSecond", new MeterView(10));
    }

    @Override
    public void processElement(StreamRecord<DecodedImage> element) throws Exception {
        buffer.add(element);
        if (buffer.size() >= options.batchSize()) {
            flush();
        } else if (timerAt < 0) {
            timerAt = getProcessingTimeService().getCurrentProcessingTime() + maxWaitMillis;
            getProcessingTimeService().registerTimer(timerAt, this);
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        if (time >= timerAt) {
            timerAt = -1;
            flush();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (buffer.isEmpty()) {
            super.processWatermark(mark);
        } else {
            // Held until the buffered images are out, so none of them becomes late downstream. Not a flush: periodic
            // watermarks (every 200 ms) would cut nearly every batch short, and a slow encoder (CLIP on a CPU) then
            // runs batches of one image at a time (at ~1.6x the cost per image of a full batch, measured).
            heldWatermark = mark;
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (model != null) {
            model.close();
        }
        super.close();
    }

    private void flush() throws Exception {
        if (buffer.isEmpty()) {
            return;
        }
        List<DecodedImage> images = new ArrayList<>(buffer.size());
        for (StreamRecord<DecodedImage> r : buffer) {
            images.add(r.getValue());
        }
        long start = System.nanoTime();
        Scored scored = score(images);
        List<Prediction> predictions = scored.predictions();
        inferenceMillis.update((System.nanoTime() - start) / 1_000_000);
        batchSizes.update(buffer.size());
        throughput.markEvent(buffer.size());
        for (int i = 0; i < buffer.size(); i++) {
            StreamRecord<DecodedImage> in = buffer.get(i);
            Prediction p = predictions.get(i);
            double pWrong = scored.failureProbability()[i];
            if (p.isFinite() && (failure == null || Double.isFinite(pWrong))) {
                ScoredImage s = scored(in.getValue(), p);
                if (failure != null) {
                    s.failureProbability = pWrong;
                    s.failurePredictor = failure.version();
                }
                if (embeddings) {
                    s.imageMean = toFloats(scored.imageMeans()[i]);
                }
                output.collect(in.replace(s));
            } else if (p.isFinite()) {
                output.collect(
                        DeadLetterOutput.TAG,
                        in.replace(DeadLetterOutput.of(
                                in.getValue(),
                                ErrorCode.NON_FINITE_SCORE,
                                "the learned failure predictor " + failure.version() + " gave " + pWrong)));
            } else {
                // Never routed: an argmax over NaN picks a real class and some scores can look confident.
                output.collect(
                        DeadLetterOutput.TAG,
                        in.replace(DeadLetterOutput.of(
                                in.getValue(), ErrorCode.NON_FINITE_SCORE, BayesVlmModel.nonFiniteMessage(p))));
            }
        }
        buffer.clear();
        timerAt = -1;
        if (heldWatermark != null) {
            Watermark mark = heldWatermark;
            heldWatermark = null;
            super.processWatermark(mark);
        }
    }

    /**
     * A batch's predictions in order, each one's P(wrong) under the failure predictor (NaN without one), and each image
     * embedding's mean (null unless they are sent along).
     */
    protected record Scored(List<Prediction> predictions, double[] failureProbability, double[][] imageMeans) {}

    /** The model's predictions for a batch, from one encoder pass. */
    protected Scored score(List<DecodedImage> images) {
        List<byte[]> pixels = new ArrayList<>(images.size());
        for (DecodedImage d : images) {
            pixels.add(d.pixels);
        }
        double[] pWrong = new double[images.size()];
        java.util.Arrays.fill(pWrong, Double.NaN);
        if (failure == null && !embeddings) {
            return new Scored(model.scorePixels(pixels), pWrong, null);
        }
        BayesVlmModel.WithEmbeddings scored = model.scorePixelsWithEmbeddings(pixels);
        for (int i = 0; failure != null && i < pWrong.length; i++) {
            Prediction p = scored.predictions().get(i);
            if (p.isFinite()) {
                pWrong[i] =
                        failure.failureProbability(io.bayesvlm.core.failure.FailureInput.of(scored.imageMeans()[i], p));
            }
        }
        return new Scored(scored.predictions(), pWrong, scored.imageMeans());
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static ScoredImage scored(DecodedImage d, Prediction p) {
        ScoredImage s = new ScoredImage();
        s.eventId = d.eventId;
        s.eventTime = d.eventTime;
        s.eventTimeOutOfRange = d.eventTimeOutOfRange;
        s.origin = d.origin;
        s.source = d.source;
        s.image = d.image;
        s.readAtMillis = d.readAtMillis;
        s.predicted = p.predicted();
        s.probs = p.probs();
        s.mapProbs = p.mapProbs();
        s.logitsMean = p.logitsMean();
        s.logitsVar = p.logitsVar();
        UncertaintyScore[] scores = UncertaintyScore.values();
        s.uncertainty = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            s.uncertainty[i] = p.uncertainty().get(scores[i]);
        }
        return s;
    }
}
