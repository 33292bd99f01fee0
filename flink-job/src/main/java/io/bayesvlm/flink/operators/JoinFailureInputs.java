package io.bayesvlm.flink.operators;

import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.LabelledFailure;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Meets a decision's {@link FailureObservation} with its joined label (from {@code JoinLabels}) by event id,
 * whichever arrives first, and emits one weighted design label for the learned failure predictor: wrong when the
 * label is not the predicted class, weighted 1 / the decision's label propensity (so audits of automatic decisions
 * stand for all of them). Only the first label counts (a reviewer's correction is not trained on, as the
 * certification counts the first); a label whose propensity is unknown is not used (counted). The first arrival
 * waits at most the TTL (a processing-time timer clears the event's state).
 */
public class JoinFailureInputs
        extends KeyedCoProcessFunction<String, FailureObservation, LabelledDecision, LabelledFailure> {
    private static final long serialVersionUID = 1L;

    private final long ttlMillis;

    private transient ValueState<FailureObservation> observation;
    /** [the label's class index, weight] of a label that came first. */
    private transient ValueState<double[]> label;
    /** Set once joined: later labels of the event are ignored until the timer clears it. */
    private transient ValueState<Boolean> joined;

    private transient Counter joins;
    private transient Counter unweighted;
    private transient Counter expired;

    public JoinFailureInputs(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public void open(OpenContext context) {
        observation = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("failure-observation", FailureObservation.class));
        label = getRuntimeContext().getState(new ValueStateDescriptor<>("failure-label", double[].class));
        joined = getRuntimeContext().getState(new ValueStateDescriptor<>("failure-joined", Boolean.class));
        var group = getRuntimeContext().getMetricGroup();
        joins = group.counter("failureLabelsJoined");
        unweighted = group.counter("failureLabelsWithoutPropensity");
        expired = group.counter("failureJoinExpired");
    }

    @Override
    public void processElement1(FailureObservation o, Context ctx, Collector<LabelledFailure> out) throws Exception {
        if (joined.value() != null) {
            return;
        }
        double[] l = label.value();
        if (l != null) {
            emit(o, l, out);
            return;
        }
        if (observation.value() == null) {
            waitFor(ctx);
        }
        observation.update(o);
    }

    @Override
    public void processElement2(LabelledDecision d, Context ctx, Collector<LabelledFailure> out) throws Exception {
        if (joined.value() != null || label.value() != null) {
            return; // the first label counts
        }
        if (!(d.labelPropensity > 0 && d.labelPropensity <= 1)) {
            unweighted.inc();
            return;
        }
        double[] l = {d.label, 1 / d.labelPropensity};
        FailureObservation o = observation.value();
        if (o != null) {
            emit(o, l, out);
            return;
        }
        waitFor(ctx);
        label.update(l);
    }

    private void emit(FailureObservation o, double[] l, Collector<LabelledFailure> out) throws Exception {
        // both in the model's class order: the label as JoinLabels resolved it, the prediction as the head made it
        out.collect(LabelledFailure.of(o, (int) l[0] != o.predicted, l[1]));
        joins.inc();
        observation.clear();
        label.clear();
        joined.update(true);
    }

    private void waitFor(Context ctx) {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + ttlMillis);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelledFailure> out) throws Exception {
        if (joined.value() == null) {
            expired.inc();
        }
        observation.clear();
        label.clear();
        joined.clear();
    }
}
