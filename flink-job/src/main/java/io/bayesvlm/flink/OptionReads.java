package io.bayesvlm.flink;

import static io.bayesvlm.flink.JobOptions.AUDIT_KEY;
import static io.bayesvlm.flink.JobOptions.STATE_BACKEND;

import io.bayesvlm.config.Checks;
import io.bayesvlm.core.risk.AuditDraw;
import io.bayesvlm.serde.registry.RegistryConfig;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/** Typed reads of the job's Flink options with the project's range checks ({@link Checks}); errors name the option. */
final class OptionReads {

    private OptionReads() {}

    static <T> T get(Configuration c, ConfigOption<T> o) {
        try {
            return c.get(o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(o.key() + ": " + e.getMessage(), e);
        }
    }

    static String nonBlank(Configuration c, ConfigOption<String> o) {
        return Checks.nonBlank(o.key(), get(c, o));
    }

    static void oneOf(ConfigOption<String> o, String v, String... allowed) {
        Checks.oneOf(o.key(), v, List.of(allowed));
    }

    static int atLeast(Configuration c, ConfigOption<Integer> o, int min) {
        return Checks.atLeast(o.key(), get(c, o), min);
    }

    static int minusOneOrPositive(Configuration c, ConfigOption<Integer> o) {
        return Checks.minusOneOrPositive(o.key(), get(c, o));
    }

    static double positiveDouble(Configuration c, ConfigOption<Double> o) {
        return Checks.positive(o.key(), get(c, o));
    }

    static double atLeastDouble(Configuration c, ConfigOption<Double> o, double min) {
        return Checks.atLeast(o.key(), get(c, o), min);
    }

    static long atLeastLong(Configuration c, ConfigOption<Long> o, long min) {
        return Checks.atLeast(o.key(), get(c, o), min);
    }

    static double fraction(Configuration c, ConfigOption<Double> o) {
        return Checks.fraction(o.key(), get(c, o));
    }

    static double finite(Configuration c, ConfigOption<Double> o) {
        return Checks.finite(o.key(), get(c, o));
    }

    static Duration positive(Configuration c, ConfigOption<Duration> o) {
        return Checks.positive(o.key(), get(c, o));
    }

    static Duration nonNegative(Configuration c, ConfigOption<Duration> o) {
        return Checks.nonNegative(o.key(), get(c, o));
    }

    /**
     * The audit draw's key: routing.audit-key, else the BAYESVLM_AUDIT_KEY environment variable (secrets stay out of
     * config files), else a random key for this submission. The key travels inside the job graph, so it is the same
     * after every failover of this job; a resubmission without a configured key audits other items (the recorded
     * propensity stays exact either way).
     */
    static AuditDraw auditDraw(Configuration c) {
        String key = c.getOptional(AUDIT_KEY).orElse("");
        if (key.isEmpty()) {
            key = System.getenv().getOrDefault("BAYESVLM_AUDIT_KEY", "");
        }
        if (key.isEmpty()) {
            return AuditDraw.random();
        }
        try {
            return AuditDraw.ofSecret(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AUDIT_KEY.key() + ": " + e.getMessage());
        }
    }

    static JobConfig.RoutingOptions.Certification certification(Configuration c) {
        String certify = get(c, JobOptions.CERTIFY);
        oneOf(JobOptions.CERTIFY, certify, "sequence", "window");
        double arl = get(c, JobOptions.CHANGE_DETECTOR_ARL);
        if (!(arl > 1) || Double.isInfinite(arl)) {
            throw new IllegalArgumentException(
                    JobOptions.CHANGE_DETECTOR_ARL.key() + " must be a number above 1, got " + arl);
        }
        return new JobConfig.RoutingOptions.Certification(
                certify.equals("sequence"), positive(c, JobOptions.CERTIFY_LABEL_WAIT), arl);
    }

    static String stateBackend(Configuration c) {
        String backend = get(c, STATE_BACKEND).strip();
        if (!backend.isEmpty()) {
            oneOf(STATE_BACKEND, backend, "hashmap", "rocksdb");
        }
        return backend;
    }

    /** The registry options are shared with the review service: one parser, in the serde module. */
    static RegistryConfig registry(Configuration c) {
        return RegistryConfig.parse(new io.bayesvlm.config.Options(c.toMap()));
    }
}
