package io.bayesvlm.flink;

import io.bayesvlm.avro.CalibrationReport;
import io.bayesvlm.avro.DeadLetter;
import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.DriftReport;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.flink.kafka.BrokerPreflight;
import io.bayesvlm.flink.kafka.OutputSizes;
import io.bayesvlm.serde.registry.RegistryPreflight;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything checked before the job is built, so that a problem is one line at submission rather than a task that
 * fails in every subtask and restarts: the configuration, the model, the worst-case size of every output, the schema
 * registry, and the broker (reachable, its topics' record limits, its transaction timeout limit).
 */
public final class JobPreflight {

    private JobPreflight() {}

    /** A configuration, model or registry problem found before the job is built: one line, no stack trace needed. */
    public static final class StartupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** routing.score=learned: the model directory's failure predictor is there, sound, and this model's. */
    static void checkFailurePredictor(JobConfig config, io.bayesvlm.core.head.LaplaceHead head) {
        java.nio.file.Path file =
                java.nio.file.Path.of(config.modelDir()).resolve(io.bayesvlm.core.failure.FailurePredictor.FILE);
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new StartupException(
                    JobOptions.ROUTING_SCORE.key() + "=learned needs the learned failure predictor"
                            + " in the model directory, " + file + " (bin/bayesvlm fit-failure writes it)",
                    null);
        }
        try {
            io.bayesvlm.core.failure.FailurePredictor.load(file, head.unitClassEmbeddings());
        } catch (RuntimeException | java.io.IOException e) {
            throw new StartupException(
                    JobOptions.ROUTING_SCORE.key() + "=learned: " + file + " is not usable: " + e.getMessage(), e);
        }
    }

    /** Parses and validates the configuration, then checks the model, the outputs' sizes, the registry and the broker. */
    public static JobConfig prepare(String[] args) {
        JobConfig config;
        try {
            config = JobConfig.from(JobConfig.parseArgs(args));
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new StartupException("cannot read the configuration file: " + e, e);
        }
        io.bayesvlm.core.model.ModelSpec spec;
        io.bayesvlm.core.head.LaplaceHead head;
        try {
            // Fail fast on a bad model here rather than in every subtask's open(), restarting forever.
            spec = io.bayesvlm.core.model.ModelSpec.load(java.nio.file.Path.of(config.modelDir()));
            head = io.bayesvlm.core.BayesVlmModel.loadHead(spec, io.bayesvlm.core.ScoringOptions.DEFAULTS);
        } catch (RuntimeException | java.io.IOException e) {
            throw new StartupException(
                    "model.dir '" + config.modelDir() + "' is not a usable model: " + e.getMessage(), e);
        }
        if (config.routing().score() == io.bayesvlm.core.head.RoutingScore.LEARNED) {
            checkFailurePredictor(config, head);
        }
        try {
            // Every output fits the producers' max.request.size, whatever the input (no record can loop restarts).
            OutputSizes.check(config, spec);
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage(), e);
        }
        if (config.registry().enabled()) {
            try {
                System.err.println("bayesvlm job: schema registry ok, output subjects " + checkRegistry(config));
            } catch (IllegalStateException e) {
                throw new StartupException(e.getMessage(), e);
            }
        }
        checkBroker(config);
        return config;
    }

    /**
     * The broker: reachable; the sinks' transaction timeout within its transaction.max.timeout.ms; every output
     * topic's max.message.bytes at least kafka.max-request-size (the size the outputs were checked against).
     */
    static void checkBroker(JobConfig config) {
        java.time.Duration wait = java.time.Duration.ofSeconds(15);
        BrokerPreflight.Limits broker = BrokerPreflight.read(
                config.bootstrapServers(),
                List.of(
                        config.topics().decisions(),
                        config.topics().reviews(),
                        config.topics().calibration(),
                        config.topics().drift(),
                        config.topics().certificates(),
                        config.topics().deadLetters(),
                        config.topics().failureSelections()),
                wait);
        if (!broker.reachable()) {
            throw new StartupException(
                    JobOptions.BOOTSTRAP_SERVERS.key() + ": no Kafka broker answered at " + config.bootstrapServers()
                            + " within " + wait.toSeconds() + " s",
                    null);
        }
        long max = config.outputs().maxRequestSize();
        Map<String, Long> small = new java.util.TreeMap<>(broker.topicLimits());
        small.values().removeIf(limit -> limit >= max);
        if (!small.isEmpty()) {
            throw new StartupException(
                    "output topics accept smaller records than " + JobOptions.MAX_REQUEST_SIZE.key()
                            + " (" + max + "): max.message.bytes " + small
                            + "; raise the topics' max.message.bytes or lower "
                            + JobOptions.MAX_REQUEST_SIZE.key(),
                    null);
        }
        long tx = config.transactionTimeout().toMillis();
        if (broker.transactionMaxTimeoutMs().isEmpty()) {
            System.err.println("bayesvlm job: could not read the broker's transaction.max.timeout.ms at "
                    + config.bootstrapServers() + "; kafka.transaction-timeout is " + tx
                    + " ms and must not exceed it");
        } else if (tx > broker.transactionMaxTimeoutMs().get()) {
            throw new StartupException(
                    JobOptions.TRANSACTION_TIMEOUT.key() + " (" + tx + " ms) exceeds the broker's"
                            + " transaction.max.timeout.ms ("
                            + broker.transactionMaxTimeoutMs().get() + " ms): shorten "
                            + JobOptions.CHECKPOINT_TIMEOUT.key() + " or " + JobOptions.TRANSACTION_TIMEOUT.key()
                            + ", or raise the broker's limit",
                    null);
        }
    }

    /**
     * Fails fast if the schema registry is unreachable, or refuses or lacks an output schema (see
     * {@link RegistryPreflight}); returns subject → schema id.
     */
    public static Map<String, Long> checkRegistry(JobConfig c) {
        Map<String, org.apache.avro.Schema> outputs = new LinkedHashMap<>();
        outputs.put(c.topics().decisions(), Decision.getClassSchema());
        outputs.put(c.topics().reviews(), ReviewRequest.getClassSchema());
        outputs.put(c.topics().calibration(), CalibrationReport.getClassSchema());
        outputs.put(c.topics().drift(), DriftReport.getClassSchema());
        outputs.put(c.topics().certificates(), io.bayesvlm.avro.RiskCertificate.getClassSchema());
        outputs.put(c.topics().deadLetters(), DeadLetter.getClassSchema());
        outputs.put(c.topics().failureSelections(), io.bayesvlm.avro.FailureSelection.getClassSchema());
        return RegistryPreflight.check(c.registry(), outputs);
    }
}
