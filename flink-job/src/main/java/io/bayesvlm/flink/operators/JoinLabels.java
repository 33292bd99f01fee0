package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.serde.AvroCodec;
import io.bayesvlm.flink.model.LabelledDecision;
import io.bayesvlm.flink.model.RawRecord;
import io.bayesvlm.flink.model.ReceivedLabel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins decisions with their labels by event id, whichever arrives first. The first one waits in keyed state
 * for at most the TTL (a processing-time timer clears it); a label for a class the model does not know goes to
 * the dead letters. A second label for an already joined event is ignored (counted).
 */
public class JoinLabels extends KeyedCoProcessFunction<String, Decision, ReceivedLabel, LabelledDecision> {
    private static final long serialVersionUID = 1L;

    private final long ttlMillis;
    private final AvroCodec<LabelEvent> labelCodec = new AvroCodec<>(LabelEvent.class);

    private transient ValueState<Decision> decision;
    private transient ValueState<ReceivedLabel> label;
    private transient ValueState<Long> expiry;
    private transient ValueState<Boolean> joined;
    private transient Counter joins;
    private transient Counter expired;
    private transient Counter duplicates;

    public JoinLabels(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public void open(OpenContext context) {
        decision = getRuntimeContext().getState(new ValueStateDescriptor<>("decision", Decision.class));
        label = getRuntimeContext().getState(new ValueStateDescriptor<>("label", ReceivedLabel.class));
        expiry = getRuntimeContext().getState(new ValueStateDescriptor<>("expiry", Long.class));
        joined = getRuntimeContext().getState(new ValueStateDescriptor<>("joined", Boolean.class));
        var group = getRuntimeContext().getMetricGroup();
        joins = group.counter("labelsJoined");
        expired = group.counter("joinExpired");
        duplicates = group.counter("labelsDuplicate");
    }

    @Override
    public void processElement1(Decision d, Context ctx, Collector<LabelledDecision> out) throws Exception {
        ReceivedLabel l = label.value();
        if (l != null) {
            emit(d, l, ctx, out);
        } else {
            decision.update(d);
            armTimer(ctx);
        }
    }

    @Override
    public void processElement2(ReceivedLabel l, Context ctx, Collector<LabelledDecision> out) throws Exception {
        if (Boolean.TRUE.equals(joined.value()) || label.value() != null) {
            duplicates.inc();
            return;
        }
        Decision d = decision.value();
        if (d != null) {
            emit(d, l, ctx, out);
        } else {
            label.update(l);
            armTimer(ctx);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelledDecision> out) throws Exception {
        Long at = expiry.value();
        if (at != null && at == timestamp) {
            if (decision.value() != null || label.value() != null) {
                expired.inc();
            }
            decision.clear();
            label.clear();
            joined.clear();
            expiry.clear();
        }
    }

    private void armTimer(Context ctx) throws Exception {
        if (expiry.value() == null) {
            long at = ctx.timerService().currentProcessingTime() + ttlMillis;
            expiry.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    private void emit(Decision d, ReceivedLabel received, Context ctx, Collector<LabelledDecision> out) throws Exception {
        decision.clear();
        label.clear();
        joined.update(true); // kept until the timer fires, to recognise duplicate labels
        armTimer(ctx);
        LabelEvent l = received.event;
        int index = d.getClasses().indexOf(l.getLabel());
        if (index < 0) {
            // The label re-encoded as plain Avro; the record as written stays at its coordinates.
            RawRecord raw = new RawRecord(l.getEventId().getBytes(StandardCharsets.UTF_8), labelCodec.encode(l),
                    received.topic, received.partition, received.offset, l.getLabelTime().toEpochMilli());
            ctx.output(DeadLetters.TAG, DeadLetters.of(raw, l.getEventId(), DeadLetters.UNKNOWN_LABEL,
                    "label '" + l.getLabel() + "' is not a class of model " + d.getModelName() + " " + d.getClasses()));
            return;
        }
        joins.inc();
        LabelledDecision ld = new LabelledDecision();
        ld.eventId = d.getEventId();
        ld.eventTime = d.getEventTime().toEpochMilli();
        ld.modelName = d.getModelName();
        ld.modelVersion = d.getModelVersion();
        ld.probs = d.getProbs().stream().mapToDouble(Double::doubleValue).toArray();
        ld.mapProbs = d.getMapProbs().stream().mapToDouble(Double::doubleValue).toArray();
        ld.label = index;
        ld.labelSource = l.getLabelSource().name();
        ld.routing = d.getRouting().name();
        ld.labelPropensity = d.getLabelPropensity() == null ? Double.NaN : d.getLabelPropensity();
        ld.routingScore = d.getRoutingScore();
        ld.routingValue = d.getRoutingValue();
        if (d.getCalibrationVersion() != null && d.getRecalibratedProbs() != null && d.getRecalibratedMapProbs() != null) {
            ld.calibrationVersion = d.getCalibrationVersion();
            ld.recalibratedProbs = d.getRecalibratedProbs().stream().mapToDouble(Double::doubleValue).toArray();
            ld.recalibratedMapProbs = d.getRecalibratedMapProbs().stream().mapToDouble(Double::doubleValue).toArray();
        }
        out.collect(ld);
    }
}
