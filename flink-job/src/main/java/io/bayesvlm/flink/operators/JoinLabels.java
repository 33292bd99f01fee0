package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.records.JoinSlot;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.flink.records.ReceivedLabel;
import io.bayesvlm.serde.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins decisions with their labels by event id, whichever arrives first. The first one waits in keyed state
 * for at most the TTL (a processing-time timer clears it); a label for a class the model does not know goes to
 * the dead letters at the label's own coordinates. A second label for an already joined event is ignored (counted),
 * unless it is a correction of the label it was joined with (LabelEvent.supersedes, a reviewer relabelling within
 * the item's lease): that is joined too, until the timer, and the calibration windows count the later one.
 *
 * <p>State per event id is one compact {@link JoinSlot} and one timer; the class ids, the same for every decision of
 * a model, are kept once per model in operator state (union: each subtask restores every model's list, whatever keys
 * it is given after a rescale).
 */
public class JoinLabels extends KeyedCoProcessFunction<String, Decision, ReceivedLabel, LabelledDecision>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final long ttlMillis;
    private final long correctionMillis;

    private transient ValueState<byte[]> slot;
    private transient ListState<String> classesState;
    /** model name/version → its class ids. */
    private transient Map<String, List<String>> classes;

    private transient Counter joins;
    private transient Counter expired;
    private transient Counter duplicates;
    private transient Counter corrections;

    public JoinLabels(Duration ttl) {
        this(ttl, Duration.ZERO);
    }

    /** {@code correctionWindow}: how long a joined decision is kept for a correction of its label (0: none). */
    public JoinLabels(Duration ttl, Duration correctionWindow) {
        this.ttlMillis = ttl.toMillis();
        this.correctionMillis = correctionWindow.toMillis();
    }

    @Override
    public void open(OpenContext context) {
        slot = getRuntimeContext()
                .getState(
                        new ValueStateDescriptor<>("join-slot", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        var group = getRuntimeContext().getMetricGroup();
        joins = group.counter("labelsJoined");
        expired = group.counter("joinExpired");
        duplicates = group.counter("labelsDuplicate");
        corrections = group.counter("labelsCorrected");
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        classesState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("model-classes", String.class));
        classes = new HashMap<>();
        for (String entry : classesState.get()) {
            String[] parts = entry.split("\u0000", -1);
            classes.put(parts[0], List.of(parts).subList(1, parts.length));
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<String> entries = new ArrayList<>();
        classes.forEach((model, ids) -> entries.add(model + "\u0000" + String.join("\u0000", ids)));
        classesState.update(entries);
    }

    @Override
    public void processElement1(Decision d, Context ctx, Collector<LabelledDecision> out) throws Exception {
        classes.computeIfAbsent(ModelSpec.key(d.getModelName(), d.getModelVersion()), k -> List.copyOf(d.getClasses()));
        byte[] s = slot.value();
        if (s != null && JoinSlot.tag(s) == JoinSlot.LABEL) {
            // Through the slot's own encoding, so both arrival orders yield the same pair from one code path.
            emit(JoinSlot.decision(d, JoinSlot.expiry(s)), JoinSlot.label(s), -1, ctx, out);
        } else if (s == null) {
            slot.update(JoinSlot.decision(d, armTimer(ctx)));
        }
        // (a second decision for the same id, a replay upstream, is left alone)
    }

    @Override
    public void processElement2(ReceivedLabel l, Context ctx, Collector<LabelledDecision> out) throws Exception {
        byte[] s = slot.value();
        if (s == null) {
            slot.update(JoinSlot.label(l, armTimer(ctx)));
        } else if (JoinSlot.tag(s) == JoinSlot.DECISION) {
            emit(s, l, -1, ctx, out);
        } else if (isCorrection(s, l)) {
            // the labeller's correction of the label this event was joined with: joined too, the later one counts
            corrections.inc();
            emit(JoinSlot.joinedDecisionSlot(s), l, JoinSlot.keptUntil(s), ctx, out);
        } else {
            duplicates.inc(); // already joined, or a label already waits
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelledDecision> out) throws Exception {
        byte[] s = slot.value();
        if (s != null && JoinSlot.expiry(s) == timestamp) {
            if (JoinSlot.tag(s) != JoinSlot.JOINED) {
                expired.inc();
            }
            slot.clear();
        } else if (s != null && JoinSlot.keepsDecision(s) && JoinSlot.keptUntil(s) == timestamp) {
            slot.update(JoinSlot.joined(JoinSlot.expiry(s))); // the correction window is over: the marker stays
        }
    }

    /** A label that supersedes the one this joined event counts (LabelEvent.supersedes names its time). */
    private static boolean isCorrection(byte[] slot, ReceivedLabel l) {
        java.time.Instant supersedes = l.event.getSupersedes();
        return supersedes != null
                && JoinSlot.keepsDecision(slot)
                && supersedes.toEpochMilli() == JoinSlot.joinedLabelTime(slot);
    }

    /** Registers the key's only timer; returns its time. */
    private long armTimer(Context ctx) {
        long at = ctx.timerService().currentProcessingTime() + ttlMillis;
        ctx.timerService().registerProcessingTimeTimer(at);
        return at;
    }

    /**
     * The decision slot joined with a label: the pair out; the slot stays until its timer to recognise duplicates,
     * with the decision until {@code keepUntil} (-1: from now for the correction window) so that a correction of this
     * label can be joined too.
     */
    private void emit(
            byte[] decisionSlot, ReceivedLabel received, long keepUntil, Context ctx, Collector<LabelledDecision> out)
            throws Exception {
        LabelEvent l = received.event;
        long expiry = JoinSlot.expiry(decisionSlot);
        if (keepUntil < 0 && correctionMillis > 0) {
            keepUntil = Math.min(expiry, ctx.timerService().currentProcessingTime() + correctionMillis);
            if (keepUntil < expiry) {
                ctx.timerService().registerProcessingTimeTimer(keepUntil); // then the slot shrinks to the marker
            }
        }
        slot.update(
                correctionMillis > 0
                        ? JoinSlot.joined(decisionSlot, l.getLabelTime().toEpochMilli(), keepUntil)
                        : JoinSlot.joined(expiry));
        LabelledDecision ld = JoinSlot.decision(decisionSlot, ctx.getCurrentKey());
        List<String> ids = classes.getOrDefault(ModelSpec.key(ld.modelName, ld.modelVersion), List.of());
        int index = ids.indexOf(l.getLabel());
        if (index < 0) {
            // The label re-encoded as plain Avro; the record as written stays at its coordinates.
            RawRecord raw = new RawRecord(
                    l.getEventId().getBytes(StandardCharsets.UTF_8),
                    new AvroCodec<>(LabelEvent.class).encode(l),
                    received.topic,
                    received.partition,
                    received.offset,
                    l.getLabelTime().toEpochMilli());
            ctx.output(
                    DeadLetterOutput.TAG,
                    DeadLetterOutput.of(
                            raw,
                            l.getEventId(),
                            ErrorCode.UNKNOWN_LABEL,
                            "label '" + l.getLabel() + "' is not a class of model " + ld.modelName + " " + ids));
            return;
        }
        joins.inc();
        ld.label = index;
        ld.labelSource = l.getLabelSource().name();
        ld.labelTopic = received.topic;
        ld.labelPartition = received.partition;
        ld.labelOffset = received.offset;
        ld.labelTime = l.getLabelTime().toEpochMilli();
        out.collect(ld);
    }
}
