package io.bayesvlm.flink;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** Every option of the moderation job, with its default. The README's option table mirrors this file. */
public final class JobOptions {

    private JobOptions() {}

    // Kafka
    public static final ConfigOption<String> BOOTSTRAP_SERVERS = key("kafka.bootstrap-servers")
            .stringType()
            .defaultValue("localhost:9092")
            .withDescription("Kafka bootstrap servers.");
    public static final ConfigOption<String> GROUP_ID = key("kafka.group-id")
            .stringType()
            .defaultValue("bayesvlm-moderation")
            .withDescription("Consumer group of the sources.");
    public static final ConfigOption<String> STARTING_OFFSETS = key("kafka.starting-offsets")
            .stringType()
            .defaultValue("committed-or-earliest")
            .withDescription(
                    "earliest | latest | committed-or-earliest: where the sources start without a checkpoint.");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = key("kafka.transactional-id-prefix")
            .stringType()
            .defaultValue("bayesvlm-moderation")
            .withDescription("Prefix of the exactly-once sinks' transactional ids; unique per job.");
    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = key("kafka.transaction-timeout")
            .durationType()
            .noDefaultValue()
            .withDescription("Kafka transaction timeout of the exactly-once sinks; empty: max(checkpoint.interval,"
                    + " checkpoint.timeout) + checkpoint.timeout + 1 min. A transaction stays open until the checkpoint"
                    + " after it completes, so it must exceed max(checkpoint.interval, checkpoint.timeout) +"
                    + " checkpoint.timeout (else a slow checkpoint could complete after the broker aborted its"
                    + " transaction: lost output), and stay within the broker's transaction.max.timeout.ms (checked at"
                    + " startup).");
    public static final ConfigOption<Long> MAX_REQUEST_SIZE = key("kafka.max-request-size")
            .longType()
            .defaultValue(1L << 20)
            .withDescription("The sinks' producer max.request.size (Kafka's default). At startup the job refuses a"
                    + " configuration under which any output record could be larger; the output topics' max.message.bytes"
                    + " must be at least this.");

    // Schema registry
    public static final ConfigOption<String> REGISTRY_URL = key("registry.url")
            .stringType()
            .defaultValue("")
            .withDescription("Schema registry base URL; empty: plain Avro binary without a registry. Confluent API:"
                    + " http://host:8081 (Confluent) or http://host:8080/apis/ccompat/v7 (Apicurio); Apicurio API:"
                    + " http://host:8080/apis/registry/v3.");
    public static final ConfigOption<String> REGISTRY_API = key("registry.api")
            .stringType()
            .defaultValue("confluent")
            .withDescription(
                    "confluent | apicurio: the registry's REST dialect. Both write the Confluent wire format.");
    public static final ConfigOption<String> REGISTRY_AUTH =
            key("registry.auth").stringType().defaultValue("none").withDescription("none | basic | bearer.");
    public static final ConfigOption<String> REGISTRY_USERNAME =
            key("registry.username").stringType().defaultValue("").withDescription("basic auth user.");
    public static final ConfigOption<String> REGISTRY_PASSWORD = key("registry.password")
            .stringType()
            .defaultValue("")
            .withDescription("basic auth password; empty: from the environment variable BAYESVLM_REGISTRY_PASSWORD.");
    public static final ConfigOption<String> REGISTRY_TOKEN = key("registry.bearer-token")
            .stringType()
            .defaultValue("")
            .withDescription("bearer token sent as is (registry.api=confluent); empty: from BAYESVLM_REGISTRY_TOKEN.");
    public static final ConfigOption<String> REGISTRY_SUBJECT_STRATEGY = key("registry.subject-strategy")
            .stringType()
            .defaultValue("topic")
            .withDescription("topic (<topic>-value) | record (<record full name>) |"
                    + " topic-record (<topic>-<record full name>): Confluent's subject name strategies.");
    public static final ConfigOption<Boolean> REGISTRY_AUTO_REGISTER = key("registry.auto-register")
            .booleanType()
            .defaultValue(false)
            .withDescription("Register the output schemas if missing (else they must be registered"
                    + " beforehand; checked at startup).");
    public static final ConfigOption<Duration> REGISTRY_RETRY_BACKOFF = key("registry.retry-backoff")
            .durationType()
            .defaultValue(Duration.ofMillis(200))
            .withDescription("First wait before retrying an unreachable registry;"
                    + " doubles per retry. Records wait (backpressure), none is dropped.");
    public static final ConfigOption<Duration> REGISTRY_RETRY_BACKOFF_MAX = key("registry.retry-backoff-max")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Longest wait between retries.");
    public static final ConfigOption<Duration> REGISTRY_REQUEST_TIMEOUT = key("registry.request-timeout")
            .durationType()
            .defaultValue(Duration.ofSeconds(10))
            .withDescription("Connect and request timeout of registry calls (registry.api=confluent).");

    // Topics
    public static final ConfigOption<String> TOPIC_IMAGES =
            key("topics.image-events").stringType().defaultValue("image-events");
    public static final ConfigOption<String> TOPIC_DECISIONS =
            key("topics.decisions").stringType().defaultValue("decisions");
    public static final ConfigOption<String> TOPIC_REVIEWS =
            key("topics.review-requests").stringType().defaultValue("review-requests");
    public static final ConfigOption<String> TOPIC_LABELS =
            key("topics.labels").stringType().defaultValue("labels");
    public static final ConfigOption<String> TOPIC_CALIBRATION =
            key("topics.calibration").stringType().defaultValue("calibration");
    public static final ConfigOption<String> TOPIC_DRIFT =
            key("topics.drift").stringType().defaultValue("drift");
    public static final ConfigOption<String> TOPIC_CERTIFICATES = key("topics.certificates")
            .stringType()
            .defaultValue("certificates")
            .withDescription("Output, read back: RiskCertificate per change of the certified threshold (routing.mode"
                    + " risk, routing.certify sequence).");
    public static final ConfigOption<String> TOPIC_DEAD_LETTERS =
            key("topics.dead-letters").stringType().defaultValue("dead-letters");
    public static final ConfigOption<String> TOPIC_FAILURE_SELECTIONS = key("topics.failure-selections")
            .stringType()
            .defaultValue("failure-selections")
            .withDescription("Output: FailureSelection per closed window of design labels (failure.learn): the"
                    + " learned failure predictor judged against the fixed scores; compacted, key model.");
    /** Every topic option, e.g. to give a test or benchmark run its own topics. */
    public static final List<ConfigOption<String>> TOPICS = List.of(
            TOPIC_IMAGES,
            TOPIC_DECISIONS,
            TOPIC_REVIEWS,
            TOPIC_LABELS,
            TOPIC_CALIBRATION,
            TOPIC_DRIFT,
            TOPIC_CERTIFICATES,
            TOPIC_DEAD_LETTERS,
            TOPIC_FAILURE_SELECTIONS);

    // Model and inference
    public static final ConfigOption<String> MODEL_DIR = key("model.dir")
            .stringType()
            .defaultValue("models/fashion-clip")
            .withDescription("Model directory in format bayesvlm-model/1.");
    public static final ConfigOption<String> DEVICE = key("model.device")
            .stringType()
            .defaultValue("auto")
            .withDescription(
                    "auto | cpu | gpu | gpu:<i>; with Flink's external resource 'gpu' declared, auto/gpu bind each subtask to an assigned GPU.");
    public static final ConfigOption<Integer> BATCH_SIZE =
            key("inference.batch-size").intType().defaultValue(32).withDescription("Most images per encoder call.");
    public static final ConfigOption<Duration> MAX_WAIT = key("inference.max-wait")
            .durationType()
            .defaultValue(Duration.ofMillis(20))
            .withDescription("Longest an image waits for its batch to fill.");
    public static final ConfigOption<String> PREDICTIVE =
            key("inference.predictive").stringType().defaultValue("probit").withDescription("probit | mc.");
    public static final ConfigOption<Integer> MC_SAMPLES =
            key("inference.mc-samples").intType().defaultValue(256);
    public static final ConfigOption<Integer> INFERENCE_PARALLELISM = key("inference.parallelism")
            .intType()
            .defaultValue(-1)
            .withDescription("Parallelism of the inference operator (-1: the job's).");
    public static final ConfigOption<Long> MAX_BYTES = key("images.max-bytes")
            .longType()
            .defaultValue(1L << 20)
            .withDescription(
                    "Largest encoded image decoded (Kafka's default record size); larger ones are dead letters.");
    public static final ConfigOption<Long> MAX_PIXELS =
            key("images.max-pixels").longType().defaultValue(40_000_000L);
    public static final ConfigOption<Integer> MAX_SIDE =
            key("images.max-side").intType().defaultValue(16_384);
    public static final ConfigOption<Double> MAX_EXPANSION = key("images.max-expansion")
            .doubleType()
            .defaultValue(io.bayesvlm.core.image.ImageLimits.DEFAULT_MAX_EXPANSION)
            .withDescription("A PNG, GIF, BMP or WebP whose header declares more than this many times its encoded size"
                    + " in pixel data (above 16 MiB of it) is a dead letter (DECOMPRESSION_BOMB) before decoding.");
    public static final ConfigOption<Double> JPEG_OVERSAMPLE = key("images.jpeg-oversample")
            .doubleType()
            .defaultValue(io.bayesvlm.core.image.ImageDecoder.JPEG_OVERSAMPLE)
            .withDescription("With libjpeg-turbo, a JPEG is decoded at the smallest of its M/8 scales that leaves this"
                    + " many times the model's input, then resized: 2 moved no prediction of the fidelity test;"
                    + " 1 (Pillow's draft rule) costs about 5% less CPU per photo but changed 3% of its predicted"
                    + " classes (docs/performance.md, \"Real photos\").");

    // Routing
    public static final ConfigOption<String> ROUTING_SCORE = key("routing.score")
            .stringType()
            .defaultValue("max_prob")
            .withDescription("max_prob | entropy | mutual_info | top_logit_std | margin | doctor | learned | auto."
                    + " learned: the failure predictor in the model directory (failure.npz, bin/bayesvlm fit-failure)"
                    + " gives each image's probability of being wrong; decisions record its version"
                    + " (routing_predictor). auto (routing.mode risk, routing.certify sequence; implies failure.learn):"
                    + " start on failure.start-score, and switch to the score the online cross-fitting selects, the"
                    + " learned one included, once a threshold on it is certified on the same design labels and would"
                    + " decide at least as much automatically.");
    public static final ConfigOption<String> ROUTING_MODE = key("routing.mode")
            .stringType()
            .defaultValue("target-rate")
            .withDescription(
                    "threshold | target-rate | risk. risk: decide automatically only where the error rate among"
                            + " automatic decisions is vouched to be at most routing.max-auto-error (docs/guarantees.md); review"
                            + " everything until the labels allow that.");
    public static final ConfigOption<Double> ROUTING_THRESHOLD = key("routing.threshold")
            .doubleType()
            .defaultValue(0.8)
            .withDescription(
                    "threshold mode: review when the score is on the uncertain side of this value (for max_prob: below it).");
    public static final ConfigOption<Double> TARGET_REVIEW_RATE = key("routing.target-review-rate")
            .doubleType()
            .defaultValue(0.1)
            .withDescription(
                    "target-rate mode: fraction of items to review; the threshold is that quantile of recent scores.");
    public static final ConfigOption<Integer> QUANTILE_WINDOW = key("routing.quantile-window")
            .intType()
            .defaultValue(2000)
            .withDescription("target-rate mode: how many recent scores (per subtask) the quantile is tracked over.");
    public static final ConfigOption<Double> AUDIT_FRACTION = key("routing.audit-fraction")
            .doubleType()
            .defaultValue(0.02)
            .withDescription("Fraction of confident items also sent to review as audits, chosen by a keyed hash of"
                    + " the event id (routing.audit-key).");
    public static final ConfigOption<String> AUDIT_KEY = key("routing.audit-key")
            .stringType()
            .noDefaultValue()
            .withDescription("Secret key of the audit draw (HMAC-SHA256 of the event id), at least 16 bytes, so that"
                    + " no producer can choose event ids that are never audited; empty: the BAYESVLM_AUDIT_KEY"
                    + " environment variable, else a random key per submission (the same across failovers). Never"
                    + " written to any output.");
    public static final ConfigOption<Double> MAX_AUTO_ERROR = key("routing.max-auto-error")
            .doubleType()
            .defaultValue(0.02)
            .withDescription("risk mode: alpha, the error rate among automatic decisions to guarantee.");
    public static final ConfigOption<Double> RISK_DELTA = key("routing.risk-delta")
            .doubleType()
            .defaultValue(0.05)
            .withDescription(
                    "risk mode: delta, the probability that the certified threshold's error rate is above alpha"
                            + " at any time of an epoch (sequence), or in one window (window).");
    public static final ConfigOption<String> CERTIFY = key("routing.certify")
            .stringType()
            .defaultValue("sequence")
            .withDescription("risk mode: sequence (an anytime-valid certificate over all design labels since the last"
                    + " withdrawal, withdrawn on drift; docs/guarantees.md) | window (each calibration window's Learn"
                    + " then Test threshold, the procedure before; for comparison).");
    public static final ConfigOption<Duration> CERTIFY_LABEL_WAIT = key("routing.certify-label-wait")
            .durationType()
            .defaultValue(Duration.ofMinutes(15))
            .withDescription("sequence: how long a design item waits for its label; one that has not come back by then"
                    + " (skipped, lost, out of the taxonomy, later) counts as a wrong decision.");
    public static final ConfigOption<Double> CHANGE_DETECTOR_ARL = key("routing.change-detector-arl")
            .doubleType()
            .defaultValue(1000.0)
            .withDescription("sequence: alarm level of the change detector on audited automatic decisions, the least"
                    + " mean number of their labels between false alarms while the error rate is at most alpha.");
    // Label-free drift warning
    public static final ConfigOption<Duration> DRIFT_WINDOW = key("drift.window-size")
            .durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("Tumbling event-time window of all decisions for the label-free drift check.");
    public static final ConfigOption<Integer> DRIFT_REFERENCE_WINDOWS = key("drift.reference-windows")
            .intType()
            .defaultValue(5)
            .withDescription(
                    "The first windows (with at least drift.min-decisions each) pooled into the reference band.");
    public static final ConfigOption<Double> DRIFT_Z = key("drift.z-threshold")
            .doubleType()
            .defaultValue(5.0)
            .withDescription("Warn when a window's mean is more than this many standard errors from the reference's.");
    public static final ConfigOption<Integer> DRIFT_MIN_DECISIONS = key("drift.min-decisions")
            .intType()
            .defaultValue(30)
            .withDescription("Windows with fewer decisions neither warn nor join the reference.");
    public static final ConfigOption<Integer> DECISIONS_TOP_K = key("decisions.top-k")
            .intType()
            .defaultValue(0)
            .withDescription(
                    "0: decisions carry every class; n > 0: only the n most probable (classes and every array"
                            + " trimmed and aligned, num_classes set): for large label sets. The job's own calibration still sees all.");
    public static final ConfigOption<Integer> REVIEW_TOP_K =
            key("review.top-k").intType().defaultValue(3);
    public static final ConfigOption<Boolean> REVIEW_INCLUDE_IMAGE = key("review.include-image")
            .booleanType()
            .defaultValue(true)
            .withDescription("Put the image bytes into review requests up to review.inline-image-max-bytes (else, and"
                    + " above it, a reference to the image event that the review service reads from its topic).");
    public static final ConfigOption<Long> REVIEW_INLINE_IMAGE_MAX = key("review.inline-image-max-bytes")
            .longType()
            .defaultValue(256L << 10)
            .withDescription("Largest image carried inline in a review request; larger ones travel as a claim check"
                    + " (kafka://topic/partition/offset?event_id=..&sha256=..), so a review request always fits.");
    public static final ConfigOption<Integer> DEAD_LETTER_MAX_VALUE = key("dead-letters.max-value-bytes")
            .intType()
            .defaultValue(64 << 10)
            .withDescription("Most bytes of the original record (and of its key) a dead letter carries; the rest stays"
                    + " at the dead letter's topic/partition/offset, which is exact, so the original can be replayed.");

    // Calibration
    public static final ConfigOption<Duration> LABEL_TTL = key("calibration.label-join-ttl")
            .durationType()
            .defaultValue(Duration.ofHours(1))
            .withDescription("How long a decision waits for its label, and a label for its decision.");
    public static final ConfigOption<Duration> CORRECTION_WINDOW = key("calibration.correction-window")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("How long after its label a joined decision stays in state so that the reviewer's"
                    + " correction (LabelEvent.supersedes: a relabel in the review service, within the item's lease)"
                    + " is joined too and the calibration windows count it instead; 0: corrections are ignored. Each"
                    + " labelled decision then holds its state this long (at most calibration.label-join-ttl).");
    public static final ConfigOption<Duration> LABEL_DELAY = key("calibration.max-label-delay")
            .durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription(
                    "Labelled pairs may arrive this much later than newer ones (event time) and still count in their window.");
    public static final ConfigOption<Duration> WINDOW_SIZE =
            key("calibration.window-size").durationType().defaultValue(Duration.ofMinutes(10));
    public static final ConfigOption<Duration> WINDOW_SLIDE =
            key("calibration.window-slide").durationType().defaultValue(Duration.ofMinutes(1));
    public static final ConfigOption<Integer> BINS =
            key("calibration.bins").intType().defaultValue(15);
    public static final ConfigOption<Double> ALERT_ECE = key("calibration.alert-ece")
            .doubleType()
            .defaultValue(0.1)
            .withDescription("Alert when BayesVLM ECE exceeds this ...");
    public static final ConfigOption<String> JOIN_DECISIONS = key("calibration.join-decisions")
            .stringType()
            .defaultValue("routed")
            .withDescription(
                    "routed | all: which decisions wait in state for a label. 'routed' (review and audit items) keeps"
                            + " state proportional to the review rate; 'all' also joins ground-truth labels for automatic decisions.");
    public static final ConfigOption<Integer> ALERT_WINDOWS = key("calibration.alert-windows")
            .intType()
            .defaultValue(3)
            .withDescription("... for this many consecutive windows.");
    public static final ConfigOption<Integer> MIN_LABELS = key("calibration.min-labels")
            .intType()
            .defaultValue(100)
            .withDescription("The fewest labels a window needs before its ECE can count towards an alert, and the"
                    + " fewest design labels temperatures are fitted on (calibration.recalibrate): a window with fewer"
                    + " is reported, but is no evidence either way.");
    public static final ConfigOption<Boolean> RECALIBRATE = key("calibration.recalibrate")
            .booleanType()
            .defaultValue(false)
            .withDescription(
                    "Online recalibration: each window fits a temperature to its design labels (weighted NLL); the"
                            + " job applies the latest to new decisions (recalibrated_probs, calibration_version) and reports held-out figures.");

    // Events and runtime
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS = key("events.max-out-of-orderness")
            .durationType()
            .defaultValue(Duration.ofSeconds(5))
            .withDescription("Watermark bound on image events' event time.");
    public static final ConfigOption<Duration> MAX_PAST = key("events.max-past")
            .durationType()
            .defaultValue(Duration.ofDays(7))
            .withDescription("Event times older than this (by the wall clock) are out of range: still decided and"
                    + " flagged (event_time_out_of_range), counted, clamped for windows, never moving a watermark."
                    + " Raise it to backfill older events.");
    public static final ConfigOption<Duration> MAX_FUTURE = key("events.max-future")
            .durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription("Event times further ahead than this are out of range (producers' clock skew allowance).");
    public static final ConfigOption<Duration> SOURCE_IDLENESS = key("events.source-idleness")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("A partition without events this long stops holding back watermarks.");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = key("checkpoint.interval")
            .durationType()
            .defaultValue(Duration.ofSeconds(10))
            .withDescription("Exactly-once output becomes visible at each checkpoint.");
    public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT = key("checkpoint.timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription(
                    "A checkpoint not complete by then is abandoned (and the job fails over after"
                            + " execution.checkpointing.tolerable-failed-checkpoints of them); bounds kafka.transaction-timeout.");
    public static final ConfigOption<String> CHECKPOINT_DIR = key("checkpoint.dir")
            .stringType()
            .defaultValue("")
            .withDescription("Checkpoint storage directory (file:// or a distributed file system); empty: Flink's own"
                    + " configuration. The JobManager's in-memory storage is limited to 5 MB of state.");
    public static final ConfigOption<String> STATE_BACKEND = key("state.backend")
            .stringType()
            .defaultValue("")
            .withDescription(
                    "hashmap | rocksdb | empty (Flink's own configuration): where keyed state lives. The label"
                            + " join holds review rate x label TTL decisions; beyond the heap, use rocksdb (deploy/README.md).");
    public static final ConfigOption<Integer> PARALLELISM = key("parallelism")
            .intType()
            .defaultValue(-1)
            .withDescription("Default parallelism of the job; -1: Flink's parallelism.default (the cluster's"
                    + " configuration, flink run -p, the operator's spec.job.parallelism; 1 for bin/bayesvlm job).");

    // The learned failure predictor, refitted online from design labels (docs/failure-predictor.md)
    public static final ConfigOption<Boolean> FAILURE_LEARN = key("failure.learn")
            .booleanType()
            .defaultValue(false)
            .withDescription("Learn a failure predictor from the labels of reviewed and audited decisions"
                    + " (weighted 1 / propensity), cross-fitted in windows: each candidate is judged on the window"
                    + " after its training against the six fixed scores, and the result written to"
                    + " topics.failure-selections. Sends each image embedding's mean along with its prediction.");
    public static final ConfigOption<Integer> FAILURE_WINDOW_LABELS = key("failure.window-labels")
            .intType()
            .defaultValue(1000)
            .withDescription("Design labels per cross-fitting window: a candidate is judged on one window and the"
                    + " next is trained when it closes.");
    public static final ConfigOption<Integer> FAILURE_TRAINING_WINDOWS = key("failure.training-windows")
            .intType()
            .defaultValue(3)
            .withDescription("How many of the latest windows a candidate is trained on.");
    public static final ConfigOption<String> FAILURE_START_SCORE = key("failure.start-score")
            .stringType()
            .defaultValue("max_prob")
            .withDescription("routing.score auto: the fixed score routing starts on, until another one is certified.");
    public static final ConfigOption<Integer> FAILURE_MIN_WRONG = key("failure.min-wrong")
            .intType()
            .defaultValue(20)
            .withDescription("Wrong predictions the training windows must hold before a candidate is trained.");

    /** All options, for validation of unknown keys and for the README table. */
    public static final List<ConfigOption<?>> ALL = List.of(
            BOOTSTRAP_SERVERS,
            GROUP_ID,
            STARTING_OFFSETS,
            TRANSACTIONAL_ID_PREFIX,
            TRANSACTION_TIMEOUT,
            REGISTRY_URL,
            REGISTRY_API,
            REGISTRY_AUTH,
            REGISTRY_USERNAME,
            REGISTRY_PASSWORD,
            REGISTRY_TOKEN,
            REGISTRY_SUBJECT_STRATEGY,
            REGISTRY_AUTO_REGISTER,
            REGISTRY_RETRY_BACKOFF,
            REGISTRY_RETRY_BACKOFF_MAX,
            REGISTRY_REQUEST_TIMEOUT,
            TOPIC_IMAGES,
            TOPIC_DECISIONS,
            TOPIC_REVIEWS,
            TOPIC_LABELS,
            TOPIC_CALIBRATION,
            TOPIC_DRIFT,
            TOPIC_CERTIFICATES,
            TOPIC_DEAD_LETTERS,
            TOPIC_FAILURE_SELECTIONS,
            MODEL_DIR,
            DEVICE,
            BATCH_SIZE,
            MAX_WAIT,
            PREDICTIVE,
            MC_SAMPLES,
            INFERENCE_PARALLELISM,
            MAX_BYTES,
            JPEG_OVERSAMPLE,
            MAX_PIXELS,
            MAX_SIDE,
            MAX_EXPANSION,
            ROUTING_SCORE,
            ROUTING_MODE,
            ROUTING_THRESHOLD,
            TARGET_REVIEW_RATE,
            QUANTILE_WINDOW,
            AUDIT_FRACTION,
            AUDIT_KEY,
            MAX_AUTO_ERROR,
            RISK_DELTA,
            CERTIFY,
            CERTIFY_LABEL_WAIT,
            CHANGE_DETECTOR_ARL,
            REVIEW_TOP_K,
            REVIEW_INCLUDE_IMAGE,
            LABEL_TTL,
            CORRECTION_WINDOW,
            LABEL_DELAY,
            WINDOW_SIZE,
            WINDOW_SLIDE,
            BINS,
            JOIN_DECISIONS,
            ALERT_ECE,
            ALERT_WINDOWS,
            MIN_LABELS,
            OUT_OF_ORDERNESS,
            SOURCE_IDLENESS,
            CHECKPOINT_INTERVAL,
            CHECKPOINT_DIR,
            STATE_BACKEND,
            PARALLELISM,
            DRIFT_WINDOW,
            DRIFT_REFERENCE_WINDOWS,
            DRIFT_Z,
            DRIFT_MIN_DECISIONS,
            RECALIBRATE,
            DECISIONS_TOP_K,
            MAX_PAST,
            MAX_FUTURE,
            MAX_REQUEST_SIZE,
            REVIEW_INLINE_IMAGE_MAX,
            DEAD_LETTER_MAX_VALUE,
            CHECKPOINT_TIMEOUT,
            FAILURE_LEARN,
            FAILURE_WINDOW_LABELS,
            FAILURE_TRAINING_WINDOWS,
            FAILURE_MIN_WRONG,
            FAILURE_START_SCORE);
}
