package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.core.risk.CertifiedAutomation;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CertificationInput;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The certified threshold of routing.mode=risk with routing.certify=sequence, per model (keyed by the model key): the
 * core {@link CertifiedAutomation} fed the design sample's decisions and labels and the label-free warnings
 * ({@link DesignSample}), on processing time (a label's wait is wall-clock time; a timer each second uses the items
 * whose wait is over). Writes a RiskCertificate whenever the certification changes, whenever a label is counted as
 * missing, and every {@value #PROGRESS_EVERY} tested labels; the job reads them back (topics.certificates) and routes by the latest.
 *
 * <p>The certification is keyed state with its own serializer, so the heap state backend keeps it as an object
 * (nothing is serialized per record) and a checkpoint holds it exactly. A certification restored under other
 * settings (alpha, delta, the label wait, the detector's level) starts over: its certificate was for other terms.
 * After a restart, items whose wait ran out while the job was down count as missing: conservative.
 */
public class CertifyThreshold extends KeyedProcessFunction<String, CertificationInput, RiskCertificate> {
    private static final long serialVersionUID = 1L;

    static final int PROGRESS_EVERY = 100;

    private final JobConfig.RoutingOptions routing;
    private transient ValueState<CertifiedAutomation> state;
    /**
     * [certificates written, tested labels at the last one, missing labels at the last one, issued_at of the last
     * one]. Checkpoints from before the fourth entry restore with three.
     */
    private transient ValueState<long[]> written;

    public CertifyThreshold(JobConfig.RoutingOptions routing) {
        this.routing = routing;
    }

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("certification", CertificationSerializer.INSTANCE));
        written = getRuntimeContext().getState(new ValueStateDescriptor<>("certificates-written", long[].class));
    }

    private long labelWait() {
        return routing.certification().labelWait().toMillis();
    }

    private CertifiedAutomation certification() throws IOException {
        CertifiedAutomation c = state.value();
        double alpha = routing.maxAutoError();
        double delta = routing.riskDelta();
        double arl = routing.certification().changeDetectorArl();
        if (c == null || !c.hasSettings(alpha, delta, arl, labelWait())) {
            c = new CertifiedAutomation(alpha, delta, arl, labelWait());
            written.update(null);
        }
        return c;
    }

    @Override
    public void processElement(CertificationInput in, Context ctx, Collector<RiskCertificate> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        CertifiedAutomation c = certification();
        boolean first = written.value() == null;
        boolean withdrawn = false;
        switch (in.kind) {
            case CertificationInput.DECIDED -> c.decided(in.eventId, in.eventTime, in.confidence, now);
            case CertificationInput.LABELLED -> c.labelled(in.eventId, in.wrong, now);
            case CertificationInput.WARNING -> withdrawn = c.withdraw(in.eventTime, in.reason);
            default -> throw new IllegalArgumentException("unknown certification input " + in.kind);
        }
        List<CertifiedAutomation.Status> changes = c.advance(now);
        if (first || withdrawn || !changes.isEmpty() || progressed(c)) {
            // the first one supersedes whatever an earlier run of the job left on the topic
            emit(ctx.getCurrentKey(), c.status(), now, out);
        }
        state.update(c);
        if (c.pendingItems() > 0) {
            ctx.timerService().registerProcessingTimeTimer((now / 1000 + 1) * 1000);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RiskCertificate> out) throws Exception {
        CertifiedAutomation c = certification();
        if (!c.advance(timestamp).isEmpty() || progressed(c)) {
            emit(ctx.getCurrentKey(), c.status(), timestamp, out);
        }
        state.update(c);
        if (c.pendingItems() > 0) {
            ctx.timerService().registerProcessingTimeTimer(timestamp + 1000);
        }
    }

    private boolean progressed(CertifiedAutomation c) throws IOException {
        long[] w = written.value();
        return w != null
                && (c.status().tested() >= w[1] + PROGRESS_EVERY || c.status().imputed() > w[2]);
    }

    private void emit(String key, CertifiedAutomation.Status s, long now, Collector<RiskCertificate> out)
            throws IOException {
        long[] w = written.value() == null ? new long[4] : written.value();
        // issued_at strictly increases per model whatever the host clocks do: after a restart on a TaskManager whose
        // clock is behind, a withdrawal must still be the latest certificate, not rank below the last one before it
        long issuedAt = Math.max(now, w.length > 3 ? w[3] + 1 : now);
        int slash = key.lastIndexOf('/');
        out.collect(RiskCertificate.newBuilder()
                .setModelName(key.substring(0, slash))
                .setModelVersion(key.substring(slash + 1))
                .setScore(routing.score().jsonName())
                .setAlpha(routing.maxAutoError())
                .setDelta(routing.riskDelta())
                .setEpoch(s.epoch())
                .setState(s.state().name())
                .setThreshold(Double.isFinite(s.threshold()) ? routing.score().valueAtConfidence(s.threshold()) : null)
                .setSince(Instant.ofEpochMilli(Math.max(0, s.since())))
                .setTested(s.tested())
                .setErrors(s.errors())
                .setMissing(s.imputed())
                .setLabelCompleteness(s.completeness())
                .setReason(s.reason())
                .setIssuedAt(Instant.ofEpochMilli(issuedAt))
                .setSequence(w[0])
                .build());
        written.update(new long[] {w[0] + 1, s.tested(), s.imputed(), issuedAt});
    }

    /** Keyed state of one certification: its own compact format ({@link CertifiedAutomation#write}). */
    public static final class CertificationSerializer extends TypeSerializerSingleton<CertifiedAutomation> {
        private static final long serialVersionUID = 1L;
        public static final CertificationSerializer INSTANCE = new CertificationSerializer();

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public CertifiedAutomation createInstance() {
            return null;
        }

        @Override
        public CertifiedAutomation copy(CertifiedAutomation from) {
            return from == null ? null : from.copy();
        }

        @Override
        public CertifiedAutomation copy(CertifiedAutomation from, CertifiedAutomation reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(CertifiedAutomation c, DataOutputView target) throws IOException {
            c.write(target);
        }

        @Override
        public CertifiedAutomation deserialize(DataInputView source) throws IOException {
            return CertifiedAutomation.read(source);
        }

        @Override
        public CertifiedAutomation deserialize(CertifiedAutomation reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            serialize(deserialize(source), target);
        }

        @Override
        public TypeSerializerSnapshot<CertifiedAutomation> snapshotConfiguration() {
            return new Snapshot();
        }

        /** The serializer has no configuration: the format carries its own version. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<CertifiedAutomation> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
