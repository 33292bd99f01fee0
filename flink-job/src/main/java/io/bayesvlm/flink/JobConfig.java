package io.bayesvlm.flink;

import static io.bayesvlm.flink.JobOptions.*;
import static io.bayesvlm.flink.OptionReads.*;

import io.bayesvlm.core.head.Predictive;
import io.bayesvlm.core.head.RoutingScore;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.core.risk.AuditDraw;
import io.bayesvlm.core.time.EventTimeBounds;
import io.bayesvlm.serde.registry.RegistryConfig;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The job's configuration, typed and validated once at startup: an invalid value fails with a message that
 * names the option. Built from one file ({@code key: value} lines) plus {@code --key value} overrides.
 */
public record JobConfig(
        String bootstrapServers,
        String groupId,
        String startingOffsets,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        RegistryConfig registry,
        Topics topics,
        String modelDir,
        String device,
        int batchSize,
        Duration maxWait,
        Predictive.Mode predictive,
        int mcSamples,
        int inferenceParallelism,
        ImageLimits limits,
        double jpegOversample,
        RoutingOptions routing,
        int reviewTopK,
        boolean reviewIncludeImage,
        CalibrationOptions calibration,
        DriftOptions drift,
        int decisionsTopK,
        Duration outOfOrderness,
        Duration sourceIdleness,
        Duration checkpointInterval,
        String checkpointDir,
        String stateBackend,
        int parallelism,
        EventTimeBounds eventTimes,
        Outputs outputs,
        Duration checkpointTimeout,
        FailureOptions failure,
        Map<String, String> flinkOptions)
        implements Serializable {

    /** failure.*: the learned failure predictor refitted online (docs/failure-predictor.md). */
    public record FailureOptions(boolean learn, boolean auto, int windowLabels, int trainingWindows, int minWrong)
            implements Serializable {}

    /**
     * Size limits of what the job writes: the producers' max.request.size, the largest image inlined in a review
     * request (larger ones become a claim check), the most bytes of an original record a dead letter keeps.
     */
    public record Outputs(long maxRequestSize, long inlineImageMaxBytes, int deadLetterMaxValueBytes)
            implements Serializable {}

    /** Topic names. */
    public record Topics(
            String images,
            String decisions,
            String reviews,
            String labels,
            String calibration,
            String drift,
            String certificates,
            String deadLetters,
            String failureSelections)
            implements Serializable {
        public List<String> all() {
            return List.of(
                    images,
                    decisions,
                    reviews,
                    labels,
                    calibration,
                    drift,
                    certificates,
                    deadLetters,
                    failureSelections);
        }
    }

    /** The label-free drift check. */
    public record DriftOptions(Duration windowSize, int referenceWindows, double zThreshold, int minDecisions)
            implements Serializable {}

    /** Routing policy. */
    public record RoutingOptions(
            RoutingScore score,
            Mode mode,
            double threshold,
            double targetReviewRate,
            int quantileWindow,
            double auditFraction,
            double maxAutoError,
            double riskDelta,
            AuditDraw audit,
            Certification certification)
            implements Serializable {

        /** routing.certify and its settings. */
        public record Certification(boolean sequence, Duration labelWait, double changeDetectorArl)
                implements Serializable {
            public static Certification defaults() {
                return new Certification(
                        JobOptions.CERTIFY.defaultValue().equals("sequence"),
                        JobOptions.CERTIFY_LABEL_WAIT.defaultValue(),
                        JobOptions.CHANGE_DETECTOR_ARL.defaultValue());
            }
        }

        /** With the certification at its defaults. */
        public RoutingOptions(
                RoutingScore score,
                Mode mode,
                double threshold,
                double targetReviewRate,
                int quantileWindow,
                double auditFraction,
                double maxAutoError,
                double riskDelta,
                AuditDraw audit) {
            this(
                    score,
                    mode,
                    threshold,
                    targetReviewRate,
                    quantileWindow,
                    auditFraction,
                    maxAutoError,
                    riskDelta,
                    audit,
                    Certification.defaults());
        }

        /** The same policy on another score (routing.score=auto switches to the score a certificate is on). */
        public RoutingOptions withScore(RoutingScore other) {
            return new RoutingOptions(
                    other,
                    mode,
                    threshold,
                    targetReviewRate,
                    quantileWindow,
                    auditFraction,
                    maxAutoError,
                    riskDelta,
                    audit,
                    certification);
        }

        /** How the review threshold is set. */
        public enum Mode {
            THRESHOLD,
            TARGET_RATE,
            RISK
        }

        /** A threshold or target-rate policy (risk settings at their defaults, a random audit key). */
        public RoutingOptions(
                RoutingScore score,
                boolean targetRate,
                double threshold,
                double targetReviewRate,
                int quantileWindow,
                double auditFraction) {
            this(
                    score,
                    targetRate ? Mode.TARGET_RATE : Mode.THRESHOLD,
                    threshold,
                    targetReviewRate,
                    quantileWindow,
                    auditFraction,
                    JobOptions.MAX_AUTO_ERROR.defaultValue(),
                    JobOptions.RISK_DELTA.defaultValue(),
                    AuditDraw.random());
        }

        public boolean targetRate() {
            return mode == Mode.TARGET_RATE;
        }

        public boolean risk() {
            return mode == Mode.RISK;
        }

        /** Risk mode with the anytime-valid certificate (routing.certify=sequence). */
        public boolean certifySequence() {
            return risk() && certification.sequence();
        }

        /** Risk mode with each calibration window's threshold (routing.certify=window). */
        public boolean certifyWindow() {
            return risk() && !certification.sequence();
        }
    }

    /** Label join and rolling calibration windows. */
    public record CalibrationOptions(
            Duration labelTtl,
            Duration correctionWindow,
            Duration maxLabelDelay,
            Duration windowSize,
            Duration windowSlide,
            int bins,
            boolean joinAllDecisions,
            double alertEce,
            int alertWindows,
            boolean recalibrate,
            int minLabels)
            implements Serializable {}

    public static JobConfig defaults() {
        return from(new Configuration());
    }

    /** Validates and types a Flink configuration. */
    public static JobConfig from(Configuration c) {
        Set<String> known = ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String k : c.keySet()) {
            if (!known.contains(k) && !FlinkSettings.isFlinkKey(k)) {
                throw new IllegalArgumentException(
                        "unknown option '" + k + "' (see the option table in flink-job/README.md)");
            }
        }
        String offsets = get(c, STARTING_OFFSETS);
        oneOf(STARTING_OFFSETS, offsets, "earliest", "latest", "committed-or-earliest");
        String predictive = get(c, PREDICTIVE);
        oneOf(PREDICTIVE, predictive, "probit", "mc");
        String join = get(c, JOIN_DECISIONS);
        oneOf(JOIN_DECISIONS, join, "routed", "all");
        String mode = get(c, ROUTING_MODE);
        oneOf(ROUTING_MODE, mode, "threshold", "target-rate", "risk");
        if (mode.equals("risk")) {
            double alpha = get(c, MAX_AUTO_ERROR);
            double delta = get(c, RISK_DELTA);
            if (!(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException(MAX_AUTO_ERROR.key() + " must be in (0, 1), got " + alpha);
            }
            if (!(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException(RISK_DELTA.key() + " must be in (0, 1), got " + delta);
            }
            if (!(get(c, AUDIT_FRACTION) > 0)) {
                throw new IllegalArgumentException(
                        "routing.mode=risk needs " + AUDIT_FRACTION.key() + " > 0: audits are"
                                + " the only labels of automatic decisions, so without them nothing can be vouched for");
            }
        }
        RoutingScore score;
        boolean auto = get(c, ROUTING_SCORE).equals("auto");
        try {
            score = RoutingScore.fromName(auto ? get(c, FAILURE_START_SCORE) : get(c, ROUTING_SCORE));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((auto ? FAILURE_START_SCORE.key() : ROUTING_SCORE.key()) + ": "
                    + e.getMessage() + (auto ? "" : " or auto"));
        }
        if (auto
                && (score == RoutingScore.LEARNED
                        || !mode.equals("risk")
                        || !get(c, CERTIFY).equals("sequence"))) {
            throw new IllegalArgumentException(
                    score == RoutingScore.LEARNED
                            ? FAILURE_START_SCORE.key() + " must be a fixed score (routing.score auto learns its own)"
                            : ROUTING_SCORE.key() + "=auto switches scores only on certified thresholds: it needs "
                                    + ROUTING_MODE.key() + "=risk and " + CERTIFY.key() + "=sequence");
        }
        String device = get(c, DEVICE);
        try {
            DeviceSpec.parse(device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(DEVICE.key() + ": " + e.getMessage());
        }
        Duration checkpoint = positive(c, CHECKPOINT_INTERVAL);
        Duration checkpointTimeout = positive(c, CHECKPOINT_TIMEOUT);
        Duration txTimeout = transactionTimeout(c, checkpoint, checkpointTimeout);
        Duration size = positive(c, WINDOW_SIZE);
        Duration slide = positive(c, WINDOW_SLIDE);
        if (slide.compareTo(size) > 0) {
            throw new IllegalArgumentException(
                    WINDOW_SLIDE.key() + " (" + slide + ") must not exceed " + WINDOW_SIZE.key() + " (" + size + ")");
        }
        Topics topics = new Topics(
                nonBlank(c, TOPIC_IMAGES),
                nonBlank(c, TOPIC_DECISIONS),
                nonBlank(c, TOPIC_REVIEWS),
                nonBlank(c, TOPIC_LABELS),
                nonBlank(c, TOPIC_CALIBRATION),
                nonBlank(c, TOPIC_DRIFT),
                nonBlank(c, TOPIC_CERTIFICATES),
                nonBlank(c, TOPIC_DEAD_LETTERS),
                nonBlank(c, TOPIC_FAILURE_SELECTIONS));
        if (Set.copyOf(topics.all()).size() != topics.all().size()) {
            throw new IllegalArgumentException(
                    "topics.* must name " + topics.all().size() + " different topics, got " + topics.all());
        }
        int inferenceParallelism = minusOneOrPositive(c, INFERENCE_PARALLELISM);
        return new JobConfig(
                nonBlank(c, BOOTSTRAP_SERVERS),
                nonBlank(c, GROUP_ID),
                offsets,
                nonBlank(c, TRANSACTIONAL_ID_PREFIX),
                txTimeout,
                OptionReads.registry(c),
                topics,
                nonBlank(c, MODEL_DIR),
                device,
                atLeast(c, BATCH_SIZE, 1),
                positive(c, MAX_WAIT),
                predictive.equals("mc") ? Predictive.Mode.MC : Predictive.Mode.PROBIT,
                atLeast(c, MC_SAMPLES, 1),
                inferenceParallelism,
                new ImageLimits(
                        atLeastLong(c, MAX_BYTES, 1),
                        atLeastLong(c, MAX_PIXELS, 1),
                        atLeast(c, MAX_SIDE, 1),
                        atLeastDouble(c, MAX_EXPANSION, 1)),
                atLeastDouble(c, JPEG_OVERSAMPLE, 1),
                new RoutingOptions(
                        score,
                        RoutingOptions.Mode.valueOf(mode.replace('-', '_').toUpperCase(java.util.Locale.ROOT)),
                        finite(c, ROUTING_THRESHOLD),
                        fraction(c, TARGET_REVIEW_RATE),
                        atLeast(c, QUANTILE_WINDOW, 10),
                        fraction(c, AUDIT_FRACTION),
                        get(c, MAX_AUTO_ERROR),
                        get(c, RISK_DELTA),
                        auditDraw(c),
                        certification(c)),
                atLeast(c, REVIEW_TOP_K, 1),
                get(c, REVIEW_INCLUDE_IMAGE),
                new CalibrationOptions(
                        positive(c, LABEL_TTL),
                        nonNegative(c, CORRECTION_WINDOW),
                        nonNegative(c, LABEL_DELAY),
                        size,
                        slide,
                        atLeast(c, BINS, 1),
                        join.equals("all"),
                        fraction(c, ALERT_ECE),
                        atLeast(c, ALERT_WINDOWS, 1),
                        get(c, RECALIBRATE),
                        atLeast(c, MIN_LABELS, 1)),
                new DriftOptions(
                        positive(c, DRIFT_WINDOW),
                        atLeast(c, DRIFT_REFERENCE_WINDOWS, 1),
                        positiveDouble(c, DRIFT_Z),
                        atLeast(c, DRIFT_MIN_DECISIONS, 2)),
                atLeast(c, DECISIONS_TOP_K, 0),
                nonNegative(c, OUT_OF_ORDERNESS),
                positive(c, SOURCE_IDLENESS),
                checkpoint,
                get(c, CHECKPOINT_DIR).strip(),
                OptionReads.stateBackend(c),
                minusOneOrPositive(c, PARALLELISM),
                new EventTimeBounds(nonNegative(c, MAX_PAST), nonNegative(c, MAX_FUTURE)),
                outputs(c),
                checkpointTimeout,
                new FailureOptions(
                        auto || get(c, FAILURE_LEARN),
                        auto,
                        atLeast(c, FAILURE_WINDOW_LABELS, 10),
                        atLeast(c, FAILURE_TRAINING_WINDOWS, 1),
                        atLeast(c, FAILURE_MIN_WRONG, 1)),
                FlinkSettings.forwarded(c));
    }

    /**
     * The sinks' transaction timeout: given, or derived from the checkpoint settings. A sink's transaction opens when
     * checkpoint n-1's barrier passes it and commits when checkpoint n completes. Checkpoint n starts at most
     * max(interval, checkpoint.timeout) after n-1 started (one at a time) and completes within checkpoint.timeout, so
     * a transaction lives up to max(interval, timeout) + timeout. A shorter transaction timeout lets the broker abort
     * a transaction whose checkpoint may still complete: the commit then finds nothing to commit, and that output is
     * lost.
     */
    static Duration transactionTimeout(Configuration c, Duration interval, Duration checkpointTimeout) {
        Duration needed =
                (interval.compareTo(checkpointTimeout) > 0 ? interval : checkpointTimeout).plus(checkpointTimeout);
        if (c.getOptional(TRANSACTION_TIMEOUT).isEmpty()) {
            return needed.plusMinutes(1);
        }
        Duration tx = positive(c, TRANSACTION_TIMEOUT);
        if (tx.compareTo(needed) <= 0) {
            throw new IllegalArgumentException(TRANSACTION_TIMEOUT.key() + " (" + tx + ") must be longer than max("
                    + CHECKPOINT_INTERVAL.key() + ", " + CHECKPOINT_TIMEOUT.key() + ") + " + CHECKPOINT_TIMEOUT.key()
                    + " (" + needed + "): a transaction stays open until the checkpoint after it completes");
        }
        return tx;
    }

    static Outputs outputs(Configuration c) {
        long max = atLeastLong(c, MAX_REQUEST_SIZE, 1024);
        long inline = atLeastLong(c, REVIEW_INLINE_IMAGE_MAX, 0);
        int deadLetter = atLeast(c, DEAD_LETTER_MAX_VALUE, 0);
        return new Outputs(max, inline, deadLetter);
    }

    /**
     * Reads an optional config file and {@code --key value} / {@code --key=value} overrides (later wins).
     * {@code --config FILE} names the file.
     */
    public static Configuration parseArgs(String[] args) throws IOException {
        // One syntax for every service of the project (the review service reads the same files).
        return Configuration.fromMap(io.bayesvlm.config.Options.parseArgs(args).asMap());
    }
}
