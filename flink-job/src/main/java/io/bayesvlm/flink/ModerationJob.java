package io.bayesvlm.flink;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.avro.RiskCertificate;
import io.bayesvlm.avro.Routing;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.head.RoutingScore;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.flink.operators.BatchedBayesInference;
import io.bayesvlm.flink.operators.BoundDeadLetters;
import io.bayesvlm.flink.operators.CalibrationReports;
import io.bayesvlm.flink.operators.CertifyThreshold;
import io.bayesvlm.flink.operators.CountDeadLetters;
import io.bayesvlm.flink.operators.DeadLetterOutput;
import io.bayesvlm.flink.operators.DecodeImage;
import io.bayesvlm.flink.operators.DesignSample;
import io.bayesvlm.flink.operators.DriftMoments;
import io.bayesvlm.flink.operators.DriftWarning;
import io.bayesvlm.flink.operators.EceAlert;
import io.bayesvlm.flink.operators.JoinFailureInputs;
import io.bayesvlm.flink.operators.JoinLabels;
import io.bayesvlm.flink.operators.LateLabels;
import io.bayesvlm.flink.operators.ParseCertificate;
import io.bayesvlm.flink.operators.ParseFeedback;
import io.bayesvlm.flink.operators.ParseLabel;
import io.bayesvlm.flink.operators.PublishFailureSelection;
import io.bayesvlm.flink.operators.RefitFailurePredictor;
import io.bayesvlm.flink.operators.RollingCalibration;
import io.bayesvlm.flink.operators.RouteByUncertainty;
import io.bayesvlm.flink.records.CalibrationFeedback;
import io.bayesvlm.flink.records.CertificationInput;
import io.bayesvlm.flink.records.DecodedImage;
import io.bayesvlm.flink.records.FailureSelection;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.flink.records.ReceivedLabel;
import io.bayesvlm.flink.records.ScoredImage;
import io.bayesvlm.flink.time.BoundedEventTime;
import io.bayesvlm.serde.RecordCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The moderation job: image events from Kafka → decode and validate → batched BayesVLM inference → routing by
 * uncertainty → decisions and review requests (exactly-once); labels joined with decisions → rolling
 * calibration reports with ECE alerts; everything unprocessable → dead letters.
 */
public final class ModerationJob {

    /**
     * Where the job reads: image events, labels, and its own feedback (the calibration topic and the certificates
     * topic, read back: certified or vouched thresholds and fitted temperatures reach the routing through Kafka, as a
     * dataflow cycle would not survive a restart). All four always: the graph is the same in every routing mode.
     * Kafka in production ({@link KafkaEndpoints}); {@code PipelineTest} passes in-memory sources.
     */
    public record Sources(
            Source<RawRecord, ?, ?> images,
            Source<RawRecord, ?, ?> labels,
            Source<RawRecord, ?, ?> calibrationFeedback,
            Source<RawRecord, ?, ?> certificates) {
        public Sources {
            java.util.Objects.requireNonNull(images, "images");
            java.util.Objects.requireNonNull(labels, "labels");
            java.util.Objects.requireNonNull(calibrationFeedback, "calibrationFeedback");
            java.util.Objects.requireNonNull(certificates, "certificates");
        }
    }

    /** Where the job writes. */
    public record Sinks(
            Sink<Decision> decisions,
            Sink<ReviewRequest> reviews,
            Sink<CalibrationReport> calibration,
            Sink<DriftReport> drift,
            Sink<RiskCertificate> certificates,
            Sink<DeadLetter> deadLetters,
            Sink<io.bayesvlm.avro.FailureSelection> failureSelections) {}

    private ModerationJob() {}

    /**
     * The entry point of the job jar ({@code flink run}, the REST API, the Kubernetes operator). On a cluster this
     * runs inside the JobManager or the client: a bad configuration, model or registry fails the submission with
     * one clear message ({@link JobPreflight.StartupException}), never {@code System.exit}. {@code bin/bayesvlm job} turns the
     * same exception into exit status 2 ({@link JobLauncher}).
     */
    public static void main(String[] args) throws Exception {
        run(args, StreamExecutionEnvironment.getExecutionEnvironment());
    }

    /** Prepares, builds and executes the job on {@code env}. */
    static void run(String[] args, StreamExecutionEnvironment env) throws Exception {
        JobConfig config = JobPreflight.prepare(args);
        FlinkSettings.configure(env, config);
        buildPipeline(env, KafkaEndpoints.sources(config, false), KafkaEndpoints.sinks(config), config);
        env.execute("bayesvlm-moderation");
    }

    /**
     * Builds the whole graph as four sub-graphs: decide (images to decisions and review requests), warn of drift
     * (label-free), calibrate (labels joined with decisions to rolling reports and, in risk mode, the certificate)
     * and dead letters (everything refused, from all three). Every source, operator and sink is named.
     */
    public static void buildPipeline(StreamExecutionEnvironment env, Sources sources, Sinks sinks, JobConfig config) {
        Decided decided = decide(env, sources, config);
        decided.decisions().sinkTo(sinks.decisions()).name("decisions sink").uid("decisions-sink");
        decided.decisions()
                .getSideOutput(RouteByUncertainty.REVIEWS)
                .sinkTo(sinks.reviews())
                .name("review-requests sink")
                .uid("review-requests-sink");
        DataStream<DriftReport> drift = warnOfDrift(decided.decisions(), config);
        drift.sinkTo(sinks.drift()).name("drift sink").uid("drift-sink");
        Calibrated calibrated = calibrate(env, decided.decisions(), sources.labels(), config);
        calibrated
                .reports()
                .sinkTo(sinks.calibration())
                .name("calibration sink")
                .uid("calibration-sink");
        DataStream<FailureSelection> selections = learnFailures(decided.decisions(), calibrated.labelled(), config);
        selections
                .map(new PublishFailureSelection(config.routing().maxAutoError()))
                .name("failure selection record")
                .uid("failure-selection-record")
                .setParallelism(1)
                .sinkTo(sinks.failureSelections())
                .name("failure-selections sink")
                .uid("failure-selections-sink");
        certify(decided.decisions(), calibrated.labelled(), drift, selections, config)
                .sinkTo(sinks.certificates())
                .name("certificates sink")
                .uid("certificates-sink");
        List<DataStream<DeadLetter>> refused = new ArrayList<>(decided.refused());
        refused.addAll(calibrated.refused());
        deadLetters(refused, config)
                .sinkTo(sinks.deadLetters())
                .name("dead-letters sink")
                .uid("dead-letters-sink");
    }

    /** The decisions (review requests on their side output), and the dead letters of the operators on the way. */
    record Decided(SingleOutputStreamOperator<Decision> decisions, List<DataStream<DeadLetter>> refused) {}

    /** The calibration reports, the labels joined with their decisions, and the dead letters on the way. */
    record Calibrated(
            DataStream<CalibrationReport> reports,
            DataStream<LabelledDecision> labelled,
            List<DataStream<DeadLetter>> refused) {}

    /** Images → decode and validate → event time → batched BayesVLM inference → routing with calibration feedback. */
    static Decided decide(StreamExecutionEnvironment env, Sources sources, JobConfig config) {
        ScoringOptions scoring = new ScoringOptions(
                DeviceSpec.parse(config.device()),
                config.batchSize(),
                config.predictive(),
                config.mcSamples(),
                0L,
                config.limits());

        SingleOutputStreamOperator<DecodedImage> decoded = env.fromSource(
                        sources.images(), WatermarkStrategy.noWatermarks(), "image-events source")
                .uid("image-events-source")
                .process(new DecodeImage(
                        config.modelDir(),
                        config.limits(),
                        config.jpegOversample(),
                        RecordCodec.of(ImageEvent.class, config.registry()),
                        config.eventTimes()))
                .name("decode and validate")
                .uid("decode-image");

        // Event time within events.max-past/max-future drives the watermarks; anything outside is clamped for its
        // windows and moves no watermark (BoundedEventTime), so no single record can make the rest late.
        DataStream<DecodedImage> timed = decoded.assignTimestampsAndWatermarks(
                        BoundedEventTime.<DecodedImage>watermarks(
                                e -> e.eventTime,
                                config.eventTimes(),
                                config.outOfOrderness(),
                                config.sourceIdleness()))
                .name("event-time watermarks")
                .uid("image-watermarks");

        SingleOutputStreamOperator<ScoredImage> scored = timed.transform(
                        "batched BayesVLM inference",
                        TypeInformation.of(ScoredImage.class),
                        new BatchedBayesInference(
                                config.modelDir(),
                                scoring,
                                config.maxWait().toMillis(),
                                config.routing().score() == RoutingScore.LEARNED,
                                config.failure().learn()))
                .uid("batched-inference");
        if (!chainDecodeWithInference(config)) {
            // Its own thread: reading, parsing and decoding the next images overlaps with the encoder's forward pass.
            scored.startNewChain();
        }
        if (config.inferenceParallelism() > 0) {
            scored.setParallelism(config.inferenceParallelism());
        }

        SingleOutputStreamOperator<CalibrationFeedback> feedback = env.fromSource(
                        sources.calibrationFeedback(), WatermarkStrategy.noWatermarks(), "calibration feedback source")
                .uid("calibration-feedback-source")
                .process(new ParseFeedback(RecordCodec.of(CalibrationReport.class, config.registry())))
                .name("calibration feedback")
                .uid("parse-calibration-feedback");
        SingleOutputStreamOperator<CalibrationFeedback> certificates = env.fromSource(
                        sources.certificates(), WatermarkStrategy.noWatermarks(), "certificates source")
                .uid("certificates-source")
                .process(new ParseCertificate(
                        RecordCodec.of(RiskCertificate.class, config.registry()),
                        config.eventTimes().maxFuture()))
                .name("risk certificates")
                .uid("parse-certificates");
        SingleOutputStreamOperator<Decision> decisions = scored.connect(
                        feedback.union(certificates).broadcast(RouteByUncertainty.LATEST))
                .process(new RouteByUncertainty(
                        config.modelDir(),
                        config.routing(),
                        config.calibration().recalibrate(),
                        config.reviewTopK(),
                        inlineImageMaxBytes(config),
                        config.failure().auto()))
                .name("route by uncertainty")
                .uid("route-by-uncertainty")
                // Routing, Avro encoding and the sinks run in their own thread, leaving the inference thread to the
                // model.
                .startNewChain();
        return new Decided(
                decisions,
                List.of(
                        decoded.getSideOutput(DeadLetterOutput.TAG),
                        scored.getSideOutput(DeadLetterOutput.TAG),
                        feedback.getSideOutput(DeadLetterOutput.TAG),
                        certificates.getSideOutput(DeadLetterOutput.TAG)));
    }

    /** The label-free drift warning: all decisions, in tumbling event-time windows, against a reference band. */
    static DataStream<DriftReport> warnOfDrift(DataStream<Decision> decisions, JobConfig config) {
        return decisions
                .assignTimestampsAndWatermarks(BoundedEventTime.<Decision>watermarks(
                        d -> d.getEventTime().toEpochMilli(),
                        config.eventTimes(),
                        config.outOfOrderness(),
                        config.sourceIdleness()))
                .name("decision watermarks")
                .uid("decision-watermarks")
                .keyBy(d -> ModelSpec.key(d.getModelName(), d.getModelVersion()))
                .window(TumblingEventTimeWindows.of(config.drift().windowSize()))
                .aggregate(
                        new DriftMoments(),
                        new DriftWarning(
                                config.drift().referenceWindows(),
                                config.drift().zThreshold(),
                                config.drift().minDecisions()))
                .name("label-free drift warning")
                .uid("drift-warning");
    }

    /** Labels joined with the decisions waiting for them → rolling calibration per model → ECE alert. */
    static Calibrated calibrate(
            StreamExecutionEnvironment env,
            DataStream<Decision> decisions,
            Source<RawRecord, ?, ?> labelSource,
            JobConfig config) {
        SingleOutputStreamOperator<ReceivedLabel> labels = env.fromSource(
                        labelSource, WatermarkStrategy.noWatermarks(), "labels source")
                .uid("labels-source")
                .process(new ParseLabel(RecordCodec.of(LabelEvent.class, config.registry())))
                .name("parse labels")
                .uid("parse-labels");

        // Only decisions that may receive a label wait in state (by default the routed ones): the state then grows
        // with the review rate, not with the whole stream.
        boolean joinAll = config.calibration().joinAllDecisions();
        SingleOutputStreamOperator<LabelledDecision> joined = decisions
                .filter(d -> joinAll || d.getRouting() != Routing.AUTO)
                .name("decisions awaiting labels")
                .uid("decisions-awaiting-labels")
                .keyBy(Decision::getEventId)
                .connect(labels.keyBy(ReceivedLabel::eventId))
                .process(new JoinLabels(
                        config.calibration().labelTtl(), config.calibration().correctionWindow()))
                .name("join labels")
                .uid("join-labels");

        JobConfig.RoutingOptions routing = config.routing();
        SingleOutputStreamOperator<CalibrationReport> windowed = joined.assignTimestampsAndWatermarks(
                        BoundedEventTime.<LabelledDecision>watermarks(
                                d -> d.eventTime,
                                config.eventTimes(),
                                config.calibration().maxLabelDelay(),
                                config.sourceIdleness()))
                .name("labelled-pair watermarks")
                .uid("labelled-watermarks")
                .keyBy(ModerationJob::modelKey)
                .window(SlidingEventTimeWindows.of(
                        config.calibration().windowSize(), config.calibration().windowSlide()))
                .sideOutputLateData(LateLabels.TAG)
                .process(new RollingCalibration(new CalibrationReports.ReportSpec(
                        config.calibration().bins(),
                        routing.certifyWindow()
                                ? new CalibrationReports.RiskSpec(
                                        routing.score(),
                                        routing.maxAutoError(),
                                        routing.riskDelta(),
                                        routing.auditFraction())
                                : null,
                        config.calibration().recalibrate(),
                        routing.auditFraction() > 0,
                        config.calibration().minLabels())))
                .name("rolling calibration")
                .uid("rolling-calibration");
        DataStream<CalibrationReport> reports = windowed.keyBy(
                        r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))
                .process(new EceAlert(
                        config.calibration().alertEce(),
                        config.calibration().alertWindows(),
                        config.calibration().minLabels()))
                .name("ECE alert")
                .uid("ece-alert");
        // Pairs later than calibration.max-label-delay: dead letters with a reason, not silently dropped.
        DataStream<DeadLetter> late = windowed.getSideOutput(LateLabels.TAG)
                .map(new LateLabels(config.calibration().maxLabelDelay().toMillis()))
                .name("late labels")
                .uid("late-labels");
        return new Calibrated(
                reports,
                joined,
                List.of(labels.getSideOutput(DeadLetterOutput.TAG), joined.getSideOutput(DeadLetterOutput.TAG), late));
    }

    /**
     * routing.certify=sequence: the certified threshold per model ({@link CertifyThreshold}), from the design sample's
     * decisions and labels and the label-free warnings; with routing.score=auto the design sample as the router
     * observed it and the cross-fitting's selections too (a candidate score certified alongside the one in force). In
     * other modes its inputs are empty: the graph stays the same.
     */
    static DataStream<RiskCertificate> certify(
            SingleOutputStreamOperator<Decision> decisions,
            DataStream<LabelledDecision> labelled,
            DataStream<DriftReport> drift,
            DataStream<FailureSelection> selections,
            JobConfig config) {
        JobConfig.RoutingOptions routing = config.routing();
        boolean auto = config.failure().auto();
        DataStream<CertificationInput> decided = decisions
                .flatMap(new DesignSample.Decided(routing, auto))
                .name("design sample decided")
                .uid("design-sample-decided");
        DataStream<CertificationInput> observed = decisions
                .getSideOutput(RouteByUncertainty.OBSERVATIONS)
                .flatMap(new DesignSample.Observed(routing, auto))
                .name("design sample observed")
                .uid("design-sample-observed");
        DataStream<CertificationInput> labels = labelled.flatMap(new DesignSample.Labelled(routing, auto))
                .name("design sample labelled")
                .uid("design-sample-labelled");
        DataStream<CertificationInput> warnings = drift.flatMap(new DesignSample.Warnings(routing))
                .name("drift warnings")
                .uid("drift-warnings-to-certify");
        DataStream<CertificationInput> candidates = selections
                .flatMap(new DesignSample.Selections(auto))
                .name("failure selections to certify")
                .uid("failure-selections-to-certify");
        return decided.union(observed, labels, warnings, candidates)
                .keyBy(in -> in.modelKey)
                .process(new CertifyThreshold(routing, config.modelDir(), auto))
                .name("certify threshold")
                .uid("certify-threshold");
    }

    /**
     * failure.learn: the learned failure predictor, refitted from the first labels of decisions that went to people
     * (the router's observations met with the joined labels, weighted 1 / propensity), cross-fitted in windows by one
     * instance for the job's model, each closed window's judgement published. Without it the observations never come
     * and nothing is written: the graph stays the same.
     */
    static DataStream<FailureSelection> learnFailures(
            SingleOutputStreamOperator<Decision> decisions, DataStream<LabelledDecision> labelled, JobConfig config) {
        JobConfig.FailureOptions failure = config.failure();
        return decisions
                .getSideOutput(RouteByUncertainty.OBSERVATIONS)
                .keyBy(o -> o.eventId)
                .connect(labelled.keyBy(d -> d.eventId))
                .process(new JoinFailureInputs(config.calibration().labelTtl()))
                .name("join failure inputs")
                .uid("join-failure-inputs")
                .process(new RefitFailurePredictor(
                        config.modelDir(),
                        failure.windowLabels(),
                        failure.trainingWindows(),
                        config.routing().maxAutoError(),
                        failure.minWrong()))
                .name("refit failure predictor")
                .uid("refit-failure-predictor")
                // one cross-fitting per model: its windows are the model's labels in the order they came (a fixed
                // parallelism, not a max parallelism of 1, which a savepoint of a job with another would not map to)
                .setParallelism(1);
    }

    /** Everything refused, bounded to fit its topic and counted per error code. */
    static DataStream<DeadLetter> deadLetters(List<DataStream<DeadLetter>> refused, JobConfig config) {
        DataStream<DeadLetter> all = refused.get(0);
        for (DataStream<DeadLetter> more : refused.subList(1, refused.size())) {
            all = all.union(more);
        }
        return all.map(new BoundDeadLetters(config.outputs().deadLetterMaxValueBytes()))
                .name("bound dead letters")
                .uid("bound-dead-letters")
                .map(new CountDeadLetters())
                .name("count dead letters")
                .uid("count-dead-letters");
    }

    /** Review requests inline images up to this size (-1: never, review.include-image false). */
    static long inlineImageMaxBytes(JobConfig config) {
        return config.reviewIncludeImage() ? config.outputs().inlineImageMaxBytes() : -1;
    }

    /** Model inputs of at least this many values are decoded in the inference thread (see below). */
    static final long CHAIN_TENSOR_FLOATS = 100_000;

    /**
     * Whether decoding runs in the inference thread (where both have the same parallelism; with a separate
     * {@code inference.parallelism}, as on GPU nodes, Flink cannot chain them and decoding scales out on its own).
     * For small inputs a thread boundary lets decoding overlap the encoder (the built-in model: pipeline 87–109% of
     * the bare model). For CLIP-sized inputs decoding is ~2% of a CPU encoder's time, while across a thread boundary
     * each checkpoint barrier arrives behind a few 150 KB records and cuts a batch short: chained 95–96% of the bare
     * model, across threads 90–95% (ViT-B/32-shaped model, docs/performance.md).
     */
    static boolean chainDecodeWithInference(JobConfig config) {
        try {
            io.bayesvlm.core.model.ModelSpec.ImageSpec img = io.bayesvlm.core.model.ModelSpec.load(
                            java.nio.file.Path.of(config.modelDir()))
                    .image();
            return (long) img.channels() * img.height() * img.width() >= CHAIN_TENSOR_FLOATS;
        } catch (java.io.IOException | RuntimeException e) {
            return false; // the model is checked (and refused with a clear message) before the job is built
        }
    }

    static String modelKey(LabelledDecision d) {
        return ModelSpec.key(d.modelName, d.modelVersion);
    }
}
