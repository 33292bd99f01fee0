package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.core.head.Uncertainty;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.records.CertificationInput;
import io.bayesvlm.flink.records.FailureObservation;
import io.bayesvlm.flink.records.FailureSelection;
import io.bayesvlm.flink.records.LabelledDecision;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * The inputs of the certification (routing.certify=sequence; nothing in other modes): the design sample, every item
 * whose keyed audit draw is below routing.audit-fraction (audited when it was confident, reviewed otherwise, so a
 * uniform random sample of the stream whatever the threshold was), when it is routed and when its label comes back,
 * and the label-free check's warnings.
 */
public final class DesignSample {

    private DesignSample() {}

    /**
     * Whether an item is in the design sample: the audit draw, whichever way it was routed (never AUTO), on the
     * routing score (any score with routing.score=auto, whose certifier chooses it).
     */
    static boolean contains(
            JobConfig.RoutingOptions routing, boolean auto, String routed, String eventId, String score) {
        if (!routing.certifySequence() || !(auto || routing.score().jsonName().equals(score))) {
            return false;
        }
        return switch (routed) {
            case "AUDIT" -> true;
            case "REVIEW" -> routing.audit().draw(eventId) < routing.auditFraction();
            default -> false;
        };
    }

    /** Routed design-sample items, with the confidence they were routed with. */
    public static final class Decided implements FlatMapFunction<Decision, CertificationInput> {
        private static final long serialVersionUID = 1L;
        private final JobConfig.RoutingOptions routing;
        private final boolean auto;

        /** @param auto routing.score=auto: the design sample comes from {@link Observed} instead */
        public Decided(JobConfig.RoutingOptions routing, boolean auto) {
            this.routing = routing;
            this.auto = auto;
        }

        @Override
        public void flatMap(Decision d, Collector<CertificationInput> out) {
            if (!auto
                    && contains(routing, false, d.getRouting().name(), d.getEventId(), d.getRoutingScore())
                    && Double.isFinite(d.getRoutingValue())) {
                out.collect(CertificationInput.decided(
                        ModelSpec.key(d.getModelName(), d.getModelVersion()),
                        d.getEventId(),
                        d.getEventTime().toEpochMilli(),
                        routing.score().confidence(d.getRoutingValue())));
            }
        }
    }

    /** Design-sample labels joined with their decisions: right or wrong. */
    public static final class Labelled implements FlatMapFunction<LabelledDecision, CertificationInput> {
        private static final long serialVersionUID = 1L;
        private final JobConfig.RoutingOptions routing;
        private final boolean auto;

        public Labelled(JobConfig.RoutingOptions routing, boolean auto) {
            this.routing = routing;
            this.auto = auto;
        }

        @Override
        public void flatMap(LabelledDecision d, Collector<CertificationInput> out) {
            if (contains(routing, auto, d.routing, d.eventId, d.routingScore)) {
                out.collect(CertificationInput.labelled(
                        ModelSpec.key(d.modelName, d.modelVersion), d.eventId, Uncertainty.argmax(d.probs) != d.label));
            }
        }
    }

    /**
     * routing.score=auto: routed design-sample items as the router observed them, from which the certifier computes
     * the confidence under the score in force and under the candidate it certifies alongside.
     */
    public static final class Observed implements FlatMapFunction<FailureObservation, CertificationInput> {
        private static final long serialVersionUID = 1L;
        private final JobConfig.RoutingOptions routing;
        private final boolean auto;

        public Observed(JobConfig.RoutingOptions routing, boolean auto) {
            this.routing = routing;
            this.auto = auto;
        }

        @Override
        public void flatMap(FailureObservation o, Collector<CertificationInput> out) {
            if (auto && contains(routing, true, o.routing, o.eventId, null)) {
                out.collect(CertificationInput.observed(o));
            }
        }
    }

    /** routing.score=auto: the cross-fitting's selections, the candidates the certifier certifies alongside. */
    public static final class Selections implements FlatMapFunction<FailureSelection, CertificationInput> {
        private static final long serialVersionUID = 1L;
        private final boolean auto;

        public Selections(boolean auto) {
            this.auto = auto;
        }

        @Override
        public void flatMap(FailureSelection s, Collector<CertificationInput> out) {
            if (auto) {
                out.collect(CertificationInput.selection(s));
            }
        }
    }

    /** The label-free check's warnings: each withdraws the certificate. */
    public static final class Warnings implements FlatMapFunction<DriftReport, CertificationInput> {
        private static final long serialVersionUID = 1L;
        private final JobConfig.RoutingOptions routing;

        public Warnings(JobConfig.RoutingOptions routing) {
            this.routing = routing;
        }

        @Override
        public void flatMap(DriftReport r, Collector<CertificationInput> out) {
            if (routing.certifySequence() && r.getWarning()) {
                out.collect(CertificationInput.warning(
                        ModelSpec.key(r.getModelName(), r.getModelVersion()),
                        r.getWindowEnd().toEpochMilli(),
                        "drift warning: " + r.getReason()));
            }
        }
    }
}
