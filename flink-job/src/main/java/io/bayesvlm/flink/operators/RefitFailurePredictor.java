package io.bayesvlm.flink.operators;

import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.failure.CrossFitting;
import io.bayesvlm.core.failure.FailureTraining;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.records.FailureSelection;
import io.bayesvlm.flink.records.LabelledFailure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learned failure predictor, refitted from the job's design labels ({@link CrossFitting}: windows of labels, each
 * candidate judged on the window after its training, the routing score chosen there). One instance (parallelism 1)
 * for the job's model; labels of other models (decisions of a version the job no longer runs) are counted and
 * dropped, as their inputs came from another head.
 *
 * <p>Its state, the label windows and the candidate, is operator state written at checkpoints only: as keyed state on
 * RocksDB the windows (tens of MB for a CLIP-sized model) would be serialized on every label. Training runs in this
 * operator's thread when a window closes (seconds); it holds up only the label stream, which is slow by nature.
 */
public class RefitFailurePredictor extends ProcessFunction<LabelledFailure, FailureSelection>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RefitFailurePredictor.class);

    private final String modelDir;
    private final int windowLabels;
    private final int trainingWindows;
    private final double alpha;
    private final int minWrong;

    private transient String modelKey;
    private transient String modelName;
    private transient String modelVersion;
    private transient double[][] text;
    private transient CrossFitting fitting;
    /**
     * The latest event time of any decision whose label came here: every candidate was trained on labels of
     * decisions at or before it, so a certification of a candidate must use only later ones.
     */
    private transient long labelledUpTo;

    private transient byte[] restored;
    private transient ListState<byte[]> state;
    private transient Counter otherModels;

    public RefitFailurePredictor(String modelDir, int windowLabels, int trainingWindows, double alpha, int minWrong) {
        this.modelDir = modelDir;
        this.windowLabels = windowLabels;
        this.trainingWindows = trainingWindows;
        this.alpha = alpha;
        this.minWrong = minWrong;
    }

    CrossFitting.Options options() {
        return new CrossFitting.Options(
                windowLabels, trainingWindows, alpha, minWrong, FailureTraining.Options.DEFAULTS);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        state = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>(
                        "failure-cross-fitting", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] b : state.get()) {
            restored = b; // one model per job: at most one entry
        }
    }

    @Override
    public void open(OpenContext context) throws Exception {
        ModelSpec spec = ModelSpec.load(Path.of(modelDir));
        modelKey = ModelSpec.key(spec.name(), spec.version());
        modelName = spec.name();
        modelVersion = spec.version();
        text = BayesVlmModel.loadHead(spec, ScoringOptions.DEFAULTS).unitClassEmbeddings();
        fitting = new CrossFitting(text, options());
        labelledUpTo = Long.MIN_VALUE;
        if (restored != null) {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(restored));
            String key = in.readUTF();
            if (key.equals(modelKey)) {
                labelledUpTo = in.readLong();
                fitting = CrossFitting.read(in, text, options(), io.bayesvlm.core.failure.FailureTraining::fit);
            } else {
                LOG.info(
                        "the failure predictor's state was for model {}; this job runs {}: starting over",
                        key,
                        modelKey);
            }
            restored = null;
        }
        otherModels = getRuntimeContext().getMetricGroup().counter("failureLabelsOfOtherModels");
        getRuntimeContext().getMetricGroup().gauge("failureTrainingFailures", (org.apache.flink.metrics.Gauge<Long>)
                () -> fitting.trainingFailures());
    }

    @Override
    public void processElement(LabelledFailure l, Context ctx, Collector<FailureSelection> out) {
        if (!modelKey.equals(l.observation.modelKey)) {
            otherModels.inc();
            return;
        }
        labelledUpTo = Math.max(labelledUpTo, l.observation.eventTime);
        long failedBefore = fitting.trainingFailures();
        java.util.Optional<io.bayesvlm.core.failure.CrossFitting.Selection> selection = fitting.add(l.label());
        if (fitting.trainingFailures() > failedBefore) {
            LOG.warn(
                    "failure predictor for {}: training after {} labels failed, the previous candidate stays: {}",
                    modelKey,
                    fitting.labels(),
                    fitting.lastTrainingFailure());
        }
        selection.ifPresent(s -> {
            FailureSelection f = FailureSelection.of(modelName, modelVersion, fitting.labels(), s);
            f.labelledUpTo = labelledUpTo;
            LOG.info(
                    "failure predictor for {} after {} labels: routing score {} (candidate {} judged on labels {}..{};"
                            + " held-out review rates {})",
                    modelKey,
                    f.labels,
                    f.score,
                    f.candidateVersion,
                    f.judgedFrom,
                    f.judgedTo,
                    s.heldOutReviewRate());
            out.collect(f);
        });
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<byte[]> entries = new ArrayList<>();
        if (fitting != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(modelKey);
            out.writeLong(labelledUpTo);
            fitting.write(out);
            entries.add(bytes.toByteArray());
        } else if (restored != null) {
            entries.add(restored); // a checkpoint before open(): keep what was restored
        }
        state.update(entries);
    }
}
