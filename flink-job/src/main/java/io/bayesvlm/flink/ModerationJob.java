package io.bayesvlm.flink;

import io.bayesvlm.core.model.ModelSpec;
import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.LabelEvent;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.flink.kafka.AvroRecordSerializer;
import io.bayesvlm.serde.RecordCodec;
import io.bayesvlm.flink.kafka.RawRecordDeserializer;
import io.bayesvlm.flink.records.DecodedImage;
import io.bayesvlm.flink.records.LabelledDecision;
import io.bayesvlm.flink.records.RawRecord;
import io.bayesvlm.flink.records.ScoredImage;
import io.bayesvlm.flink.operators.BatchedBayesInference;
import io.bayesvlm.flink.operators.BoundDeadLetters;
import io.bayesvlm.flink.time.BoundedEventTime;
import io.bayesvlm.flink.operators.CalibrationReports;
import io.bayesvlm.flink.operators.ParseFeedback;
import io.bayesvlm.flink.operators.RouteWithFeedback;
import io.bayesvlm.flink.operators.CountDeadLetters;
import io.bayesvlm.flink.operators.DeadLetterOutput;
import io.bayesvlm.flink.operators.DecodeImage;
import io.bayesvlm.flink.operators.DriftMoments;
import io.bayesvlm.flink.operators.DriftWarning;
import io.bayesvlm.flink.operators.EceAlert;
import io.bayesvlm.flink.operators.JoinLabels;
import io.bayesvlm.flink.operators.ParseLabel;
import io.bayesvlm.flink.operators.RollingCalibration;
import io.bayesvlm.flink.operators.RouteByUncertainty;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The moderation job: image events from Kafka → decode and validate → batched BayesVLM inference → routing by
 * uncertainty → decisions and review requests (exactly-once); labels joined with decisions → rolling
 * calibration reports with ECE alerts; everything unprocessable → dead letters.
 */
public final class ModerationJob {

    /** Where the job reads. Kafka in production; tests pass bounded Kafka sources. */
    public record Sources(Source<RawRecord, ?, ?> images, Source<RawRecord, ?, ?> labels,
            Source<RawRecord, ?, ?> calibrationFeedback) {
        /** Without the calibration feedback (every routing mode but risk). */
        public Sources(Source<RawRecord, ?, ?> images, Source<RawRecord, ?, ?> labels) {
            this(images, labels, null);
        }
    }

    /** Where the job writes. */
    public record Sinks(Sink<Decision> decisions, Sink<ReviewRequest> reviews, Sink<CalibrationReport> calibration,
            Sink<DriftReport> drift, Sink<DeadLetter> deadLetters) {}

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
        configure(env, config);
        buildPipeline(env, kafkaSources(config, false), kafkaSinks(config), config);
        env.execute("bayesvlm-moderation");
    }

    /**
     * Checkpointing (exactly-once output is committed at each checkpoint), state backend, parallelism, the restart
     * strategy, and every Flink key given to the job ({@link JobConfig#flinkOptions}), which win over the defaults here.
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        env.configure(flinkConfiguration(config));
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
    }

    /** The Flink configuration the job runs with: the job's own settings as Flink keys, then the user's Flink keys. */
    public static org.apache.flink.configuration.Configuration flinkConfiguration(JobConfig config) {
        org.apache.flink.configuration.Configuration c = new org.apache.flink.configuration.Configuration();
        c.setString("execution.checkpointing.interval", config.checkpointInterval().toMillis() + " ms");
        c.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        c.setString("execution.checkpointing.timeout", config.checkpointTimeout().toMillis() + " ms");
        // A checkpoint survives the job's cancellation (and a kill -9): bin/bayesvlm job resumes from the latest one.
        c.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        if (!config.checkpointDir().isEmpty()) {
            c.setString("execution.checkpointing.storage", "filesystem");
            c.setString("execution.checkpointing.dir", config.checkpointDir());
        }
        if (!config.stateBackend().isEmpty()) {
            c.setString("state.backend.type", config.stateBackend());
        }
        if (config.flinkOptions().keySet().stream().noneMatch(k -> k.startsWith("restart-strategy"))) {
            // Never an endless restart loop: a failure that keeps coming back fails the job, loudly, after a few tries.
            c.setString("restart-strategy.type", "failure-rate");
            c.setString("restart-strategy.failure-rate.max-failures-per-interval", String.valueOf(RESTARTS_PER_INTERVAL));
            c.setString("restart-strategy.failure-rate.failure-rate-interval", RESTART_INTERVAL.toMillis() + " ms");
            c.setString("restart-strategy.failure-rate.delay", RESTART_DELAY.toMillis() + " ms");
        }
        config.flinkOptions().forEach(c::setString);
        return c;
    }

    /** The default restart strategy: at most this many failures within {@link #RESTART_INTERVAL}, then the job fails. */
    static final int RESTARTS_PER_INTERVAL = 3;
    static final java.time.Duration RESTART_INTERVAL = java.time.Duration.ofMinutes(10);
    static final java.time.Duration RESTART_DELAY = java.time.Duration.ofSeconds(10);

    /** Builds the whole graph; every source, operator and sink is named. */
    public static void buildPipeline(StreamExecutionEnvironment env, Sources sources, Sinks sinks, JobConfig config) {
        ScoringOptions scoring = new ScoringOptions(DeviceSpec.parse(config.device()), config.batchSize(),
                config.predictive(), config.mcSamples(), 0L, config.limits());

        DataStream<RawRecord> rawImages = env
                .fromSource(sources.images(), WatermarkStrategy.noWatermarks(), "image-events source")
                .uid("image-events-source");

        SingleOutputStreamOperator<DecodedImage> decoded = rawImages
                .process(new DecodeImage(config.modelDir(), config.limits(),
                        RecordCodec.of(io.bayesvlm.avro.ImageEvent.class, config.registry()), config.eventTimes()))
                .name("decode and validate").uid("decode-image");

        // Event time within events.max-past/max-future drives the watermarks; anything outside is clamped for its
        // windows and moves no watermark (BoundedEventTime), so no single record can make the rest late.
        DataStream<DecodedImage> timed = decoded.assignTimestampsAndWatermarks(
                BoundedEventTime.<DecodedImage>watermarks(e -> e.eventTime, config.eventTimes(), config.outOfOrderness(),
                        config.sourceIdleness()))
                .name("event-time watermarks").uid("image-watermarks");

        SingleOutputStreamOperator<ScoredImage> scored = timed
                .transform("batched BayesVLM inference", TypeInformation.of(ScoredImage.class),
                        new BatchedBayesInference(config.modelDir(), scoring, config.maxWait().toMillis()))
                .uid("batched-inference");
        if (!chainDecodeWithInference(config)) {
            // Its own thread: reading, parsing and decoding the next images overlaps with the encoder's forward pass.
            scored.startNewChain();
        }
        if (config.inferenceParallelism() > 0) {
            scored.setParallelism(config.inferenceParallelism());
        }

        SingleOutputStreamOperator<Decision> decisions;
        SingleOutputStreamOperator<io.bayesvlm.flink.records.CalibrationFeedback> feedback = null;
        if (feedback(config)) {
            if (sources.calibrationFeedback() == null) {
                throw new IllegalArgumentException("routing.mode=risk and calibration.recalibrate need the calibration"
                        + " feedback source");
            }
            // What the calibration windows vouch for and fit comes back through the calibration topic.
            feedback = env.fromSource(sources.calibrationFeedback(), WatermarkStrategy.noWatermarks(), "calibration feedback source")
                    .uid("calibration-feedback-source")
                    .process(new ParseFeedback(RecordCodec.of(CalibrationReport.class, config.registry())))
                    .name("calibration feedback").uid("parse-calibration-feedback");
            decisions = scored
                    .connect(feedback.broadcast(RouteWithFeedback.LATEST))
                    .process(new RouteWithFeedback(config.modelDir(), config.routing(), config.reviewTopK(),
                            inlineImageMaxBytes(config)))
                    .name("route by uncertainty (with calibration feedback)").uid("route-by-uncertainty")
                    .startNewChain();
        } else {
            decisions = scored
                    .process(new RouteByUncertainty(config.modelDir(), config.routing(), config.reviewTopK(),
                            inlineImageMaxBytes(config)))
                    .name("route by uncertainty").uid("route-by-uncertainty")
                    // Routing, Avro encoding and the sinks run in their own thread too, leaving the inference thread
                    // to the model.
                    .startNewChain();
        }

        decisions.sinkTo(sinks.decisions()).name("decisions sink").uid("decisions-sink");

        // The label-free drift warning: all decisions, in tumbling event-time windows, against a reference band.
        decisions.assignTimestampsAndWatermarks(BoundedEventTime.<Decision>watermarks(
                        d -> d.getEventTime().toEpochMilli(), config.eventTimes(), config.outOfOrderness(), config.sourceIdleness()))
                .name("decision watermarks").uid("decision-watermarks")
                .keyBy(d -> ModelSpec.key(d.getModelName(), d.getModelVersion()))
                .window(org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows.of(config.drift().windowSize()))
                .aggregate(new DriftMoments(), new DriftWarning(config.drift().referenceWindows(), config.drift().zThreshold(),
                        config.drift().minDecisions()))
                .name("label-free drift warning").uid("drift-warning")
                .sinkTo(sinks.drift()).name("drift sink").uid("drift-sink");
        decisions.getSideOutput(RouteByUncertainty.REVIEWS).sinkTo(sinks.reviews())
                .name("review-requests sink").uid("review-requests-sink");

        SingleOutputStreamOperator<io.bayesvlm.flink.records.ReceivedLabel> labels = env
                .fromSource(sources.labels(), WatermarkStrategy.noWatermarks(), "labels source")
                .uid("labels-source")
                .process(new ParseLabel(RecordCodec.of(LabelEvent.class, config.registry()))).name("parse labels").uid("parse-labels");

        // Only decisions that may receive a label wait in state (by default the routed ones): the state then grows
        // with the review rate, not with the whole stream.
        boolean joinAll = config.calibration().joinAllDecisions();
        SingleOutputStreamOperator<LabelledDecision> joined = decisions
                .filter(d -> joinAll || d.getRouting() != io.bayesvlm.avro.Routing.AUTO)
                .name("decisions awaiting labels").uid("decisions-awaiting-labels")
                .keyBy(Decision::getEventId)
                .connect(labels.keyBy(io.bayesvlm.flink.records.ReceivedLabel::eventId))
                .process(new JoinLabels(config.calibration().labelTtl()))
                .name("join labels").uid("join-labels");

        joined.assignTimestampsAndWatermarks(BoundedEventTime.<LabelledDecision>watermarks(d -> d.eventTime,
                        config.eventTimes(), config.calibration().maxLabelDelay(), config.sourceIdleness()))
                .name("labelled-pair watermarks").uid("labelled-watermarks")
                .keyBy(ModerationJob::modelKey)
                .window(SlidingEventTimeWindows.of(config.calibration().windowSize(), config.calibration().windowSlide()))
                .process(new RollingCalibration(config.calibration().bins(), config.routing().risk()
                        ? new CalibrationReports.RiskSpec(config.routing().score(), config.routing().maxAutoError(),
                                config.routing().riskDelta(), config.routing().auditFraction())
                        : null, config.calibration().recalibrate()))
                .name("rolling calibration").uid("rolling-calibration")
                .keyBy(r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))
                .process(new EceAlert(config.calibration().alertEce(), config.calibration().alertWindows()))
                .name("ECE alert").uid("ece-alert")
                .sinkTo(sinks.calibration()).name("calibration sink").uid("calibration-sink");

        DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DeadLetterOutput.TAG)
                .union(scored.getSideOutput(DeadLetterOutput.TAG), labels.getSideOutput(DeadLetterOutput.TAG),
                        joined.getSideOutput(DeadLetterOutput.TAG));
        if (feedback != null) {
            deadLetters = deadLetters.union(feedback.getSideOutput(DeadLetterOutput.TAG));
        }
        deadLetters
                .map(new BoundDeadLetters(config.outputs().deadLetterMaxValueBytes()))
                .name("bound dead letters").uid("bound-dead-letters")
                .map(new CountDeadLetters()).name("count dead letters").uid("count-dead-letters")
                .sinkTo(sinks.deadLetters()).name("dead-letters sink").uid("dead-letters-sink");
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
            io.bayesvlm.core.model.ModelSpec.ImageSpec img = io.bayesvlm.core.model.ModelSpec.load(java.nio.file.Path.of(config.modelDir())).image();
            return (long) img.channels() * img.height() * img.width() >= CHAIN_TENSOR_FLOATS;
        } catch (java.io.IOException | RuntimeException e) {
            return false; // the model is checked (and refused with a clear message) before the job is built
        }
    }

    /** Whether the routing needs the calibration windows' feedback (read back from the calibration topic). */
    static boolean feedback(JobConfig c) {
        return c.routing().risk() || c.calibration().recalibrate();
    }

    static String modelKey(LabelledDecision d) {
        return ModelSpec.key(d.modelName, d.modelVersion);
    }

    /** Kafka sources for image events and labels; bounded ones stop at the offsets current at start. */
    public static Sources kafkaSources(JobConfig c, boolean bounded) {
        return new Sources(kafkaSource(c, c.topics().images(), bounded), kafkaSource(c, c.topics().labels(), bounded),
                feedback(c) ? kafkaSource(c, c.topics().calibration(), bounded) : null);
    }

    static KafkaSource<RawRecord> kafkaSource(JobConfig c, String topic, boolean bounded) {
        return kafkaSource(c, topic, bounded, new RawRecordDeserializer());
    }

    /** A Kafka source of raw records with a given deserializer (tests wrap it to inject failures). */
    public static KafkaSource<RawRecord> kafkaSource(JobConfig c, String topic, boolean bounded,
            org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema<RawRecord> deserializer) {
        OffsetsInitializer start = switch (c.startingOffsets()) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        var builder = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(c.bootstrapServers())
                .setTopics(topic)
                .setGroupId(c.groupId())
                .setStartingOffsets(start)
                .setDeserializer(deserializer)
                // Only committed records of transactional producers.
                .setProperty("isolation.level", "read_committed");
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** Exactly-once Kafka sinks, one transactional-id prefix each. */
    public static Sinks kafkaSinks(JobConfig c) {
        return new Sinks(
                sink(c, "decisions", new AvroRecordSerializer<>(c.topics().decisions(),
                        RecordCodec.of(Decision.class, c.registry()), Decision::getEventId,
                        c.decisionsTopK() > 0 ? new io.bayesvlm.flink.kafka.TopKDecision(c.decisionsTopK()) : d -> d)),
                sink(c, "reviews", new AvroRecordSerializer<>(c.topics().reviews(),
                        RecordCodec.of(ReviewRequest.class, c.registry()), ReviewRequest::getEventId)),
                sink(c, "calibration", new AvroRecordSerializer<>(c.topics().calibration(),
                        RecordCodec.of(CalibrationReport.class, c.registry()), r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))),
                sink(c, "drift", new AvroRecordSerializer<>(c.topics().drift(),
                        RecordCodec.of(DriftReport.class, c.registry()), r -> ModelSpec.key(r.getModelName(), r.getModelVersion()))),
                sink(c, "dead-letters", new AvroRecordSerializer<>(c.topics().deadLetters(),
                        RecordCodec.of(DeadLetter.class, c.registry()), DeadLetter::getEventId)));
    }

    private static <T> Sink<T> sink(JobConfig c, String name,
            org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema<T> schema) {
        Properties props = new Properties();
        props.setProperty("transaction.timeout.ms", String.valueOf(c.transactionTimeout().toMillis()));
        // The size every output was checked against at startup (OutputSizes).
        props.setProperty("max.request.size", String.valueOf(c.outputs().maxRequestSize()));
        return new io.bayesvlm.flink.kafka.FailoverSafeKafkaSink<>(KafkaSink.<T>builder()
                .setBootstrapServers(c.bootstrapServers())
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(c.transactionalIdPrefix() + "-" + name)
                .setKafkaProducerConfig(props)
                .build());
    }
}
