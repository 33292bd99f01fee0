package io.bayesvlm.review;

import io.bayesvlm.config.Options;
import io.bayesvlm.serde.registry.RegistryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The review service's configuration, typed and validated once at startup: an invalid value fails with a message
 * that names the option. Built from one file ({@code key: value} lines) plus {@code --key value} overrides, like
 * the job's; the {@code registry.*} options are the job's own (one parser, {@link RegistryConfig#parse}).
 */
public record ReviewConfig(
        String bootstrapServers,
        String applicationId,
        Topics topics,
        int replicationFactor,
        RegistryConfig registry,
        String httpHost,
        int httpPort,
        String advertisedHost,
        Path usersFile,
        String sessionSecret,
        Duration sessionTtl,
        boolean secureCookies,
        io.bayesvlm.review.http.Tls tls,
        int httpThreads,
        Duration httpRequestTimeout,
        Duration lease,
        Duration maxWait,
        int auditEvery,
        Duration doneRetention,
        int calibrationHistory,
        double alertEce,
        int minLabels,
        Path stateDir,
        int streamThreads,
        Map<String, String> kafkaProperties) {

    /** Topic names: the job's (review requests in, labels out, calibration in, dead letters out) and the service's own commands. */
    public record Topics(
            String reviews,
            String labels,
            String calibration,
            String deadLetters,
            String commands,
            String labelsByItem,
            String requestsByItem,
            String images,
            String revokedSessions,
            String replies) {}

    /** Every option: key, default (empty: none) and what it does. The README's table lists the same. */
    public static final Map<String, String[]> OPTIONS = options();

    private static Map<String, String[]> options() {
        Map<String, String[]> m = new LinkedHashMap<>();
        m.put("bootstrap.servers", new String[] {"", "Kafka bootstrap servers (required)."});
        m.put("application.id", new String[] {
            "bayesvlm-review",
            "Kafka Streams application id: consumer group, internal topic and state prefix. Instances with one id share the queue."
        });
        m.put("topics.review-requests", new String[] {"review-requests", "Review requests from the job (in)."});
        m.put("topics.labels", new String[] {"labels", "Human labels (out), read by the job."});
        m.put(
                "topics.calibration",
                new String[] {"calibration", "Calibration reports from the job (in), for the dashboard."});
        m.put(
                "topics.dead-letters",
                new String[] {"dead-letters", "Records the service cannot read (out), with the reason."});
        m.put("topics.commands", new String[] {
            "",
            "Reviewers' claims, labels and skips; empty: <application.id>-commands (one deployment never sees another's); created at startup with the partition count of topics.review-requests."
        });
        m.put("topics.labels-by-item", new String[] {
            "",
            "Every label re-keyed by event id (so labels from anywhere close their queue item); empty: <application.id>-labels-by-item; created at startup like topics.commands."
        });
        m.put("topics.replies", new String[] {
            "",
            "What became of each reviewer command, written in the command's transaction and read back (read_committed) before the HTTP answer: a 200 means committed; empty: <application.id>-replies; created at startup (one partition, kept 1 h)."
        });
        m.put("topics.revoked-sessions", new String[] {
            "",
            "Sessions ended by signing out, so that every instance refuses their cookie; empty: <application.id>-revoked-sessions; created at startup (compacted, one partition)."
        });
        m.put("topics.requests-by-item", new String[] {
            "",
            "Every review request re-keyed by event id with Kafka's Java partitioner (a request produced by any client reaches the task that owns its item); empty: <application.id>-requests-by-item; created at startup like topics.commands."
        });
        m.put("topics.image-events", new String[] {
            "image-events",
            "The job's input: a review request whose image was too large to travel inline (the job's review.inline-image-max-bytes) carries a claim check, and the service reads the image from this topic (read access needed; only this topic is ever read)."
        });
        m.put("topics.replication-factor", new String[] {
            "-1", "Replication of the commands topic and the state changelogs; -1: the broker's default."
        });
        m.put("http.host", new String[] {"127.0.0.1", "Address the web UI and API bind to. Loopback unless you set it."
        });
        m.put("http.port", new String[] {"8090", "HTTP port; 0 picks a free one."});
        m.put("http.threads", new String[] {
            "256",
            "Threads that serve requests; a connection holds one until its request is read (see http.request-timeout)."
        });
        m.put("http.request-timeout", new String[] {
            "10 s",
            "A request's headers and body must arrive within this (slow clients are cut off: they cannot hold the threads); answers must be read within three times it."
        });
        m.put("http.tls.keystore", new String[] {
            "",
            "PKCS12 or JKS keystore with the server's key and certificate: the API and web UI are then served over HTTPS (session cookies Secure) and instances call each other over HTTPS. Empty: plain HTTP."
        });
        m.put(
                "http.tls.keystore-password",
                new String[] {"", "The keystore's password; empty: BAYESVLM_TLS_KEYSTORE_PASSWORD."});
        m.put("http.tls.truststore", new String[] {
            "",
            "Certificates an instance trusts when it calls another; empty: the keystore (all instances with one certificate, or one signed by a CA in it)."
        });
        m.put("http.tls.truststore-password", new String[] {"", "The truststore's password; empty: the keystore's."});
        m.put("http.advertised-host", new String[] {
            "",
            "Host other instances reach this one at (interactive queries); empty: http.host, which must then not be 0.0.0.0."
        });
        m.put("auth.users-file", new String[] {
            "",
            "Users file (required): lines 'name:role:hash', role reviewer or viewer, hash from 'bin/bayesvlm review --hash-password'."
        });
        m.put("auth.session-secret", new String[] {
            "",
            "Key that signs session cookies; empty: BAYESVLM_SESSION_SECRET, else a random one per process (then sign-ins do not carry over between instances or restarts)."
        });
        m.put(
                "auth.session-ttl",
                new String[] {"12 h", "How long a sign-in lasts (signing out ends it on every instance)."});
        m.put("auth.secure-cookies", new String[] {
            "false",
            "Mark the session cookie Secure: browsers then send it over HTTPS only (TLS terminated in front of the service)."
        });
        m.put("queue.lease", new String[] {"5 min", "How long a claim holds an item; then it returns to the queue."});
        m.put("queue.max-wait", new String[] {"1 h", "An item pending this long goes first, oldest first."});
        m.put("queue.audit-every", new String[] {
            "4", "Every n-th claim takes the oldest audit when one waits (audits are not starved by uncertain items)."
        });
        m.put("queue.done-retention", new String[] {"7 d", "Labelled items stay queryable this long."});
        m.put("calibration.history", new String[] {"500", "Calibration reports kept per model for the dashboard."});
        m.put("calibration.alert-ece", new String[] {
            "0.1", "The job's calibration.alert-ece: the dashboard draws it as the threshold line of the ECE chart."
        });
        m.put("calibration.min-labels", new String[] {
            "100",
            "The job's calibration.min-labels: the dashboard marks windows with fewer labels as too small to judge."
        });
        m.put(
                "state.dir",
                new String[] {"", "Kafka Streams state directory; empty: <tmp>/bayesvlm-review-<application.id>."});
        m.put("streams.threads", new String[] {"1", "Kafka Streams threads."});
        for (String k : RegistryConfig.KEYS) {
            m.put(k, new String[] {
                "",
                "As in the job (see flink-job/README.md): the topics' Avro through a schema registry, or plain without registry.url."
            });
        }
        return m;
    }

    public static ReviewConfig parse(String[] args) throws java.io.IOException {
        return from(Options.parseArgs(args));
    }

    public static ReviewConfig from(Options o) {
        List<String> known = new ArrayList<>(OPTIONS.keySet());
        o.asMap().keySet().stream().filter(k -> k.startsWith("kafka.")).forEach(known::add);
        o.requireKnown(known);
        String app = o.string("application.id", d("application.id"));
        if (app.isEmpty() || !app.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "application.id must be letters, digits, '.', '_' or '-', got '" + app + "'");
        }
        Topics topics = new Topics(
                topic(o, "topics.review-requests"),
                topic(o, "topics.labels"),
                topic(o, "topics.calibration"),
                topic(o, "topics.dead-letters"),
                topic(o, "topics.commands", app + "-commands"),
                topic(o, "topics.labels-by-item", app + "-labels-by-item"),
                topic(o, "topics.requests-by-item", app + "-requests-by-item"),
                topic(o, "topics.image-events"),
                topic(o, "topics.revoked-sessions", app + "-revoked-sessions"),
                topic(o, "topics.replies", app + "-replies"));
        String host = o.string("http.host", d("http.host"));
        String advertised = o.string("http.advertised-host", host);
        if (advertised.equals("0.0.0.0") || advertised.equals("::")) {
            throw new IllegalArgumentException("http.advertised-host is needed when http.host is " + host
                    + " (other instances must reach this one at a real address)");
        }
        int port = o.intAtLeast("http.port", Integer.parseInt(d("http.port")), 0);
        if (port > 65535) {
            throw new IllegalArgumentException("http.port must be at most 65535, got " + port);
        }
        Path users = Path.of(o.required("auth.users-file"));
        if (!Files.isReadable(users)) {
            throw new IllegalArgumentException("auth.users-file: cannot read " + users.toAbsolutePath());
        }
        int replication = Integer.parseInt(o.string("topics.replication-factor", "-1"));
        if (replication == 0 || replication < -1) {
            throw new IllegalArgumentException(
                    "topics.replication-factor must be -1 or at least 1, got " + replication);
        }
        String state = o.string("state.dir", "");
        Map<String, String> kafka = new LinkedHashMap<>();
        o.asMap().forEach((k, v) -> {
            if (k.startsWith("kafka.")) {
                kafka.put(k.substring("kafka.".length()), v);
            }
        });
        return new ReviewConfig(
                o.required("bootstrap.servers"),
                app,
                topics,
                replication,
                RegistryConfig.parse(o),
                host,
                port,
                advertised,
                users,
                o.orEnv("auth.session-secret", "BAYESVLM_SESSION_SECRET"),
                duration(o, "auth.session-ttl"),
                o.bool("auth.secure-cookies", false),
                tls(o),
                o.intAtLeast("http.threads", Integer.parseInt(d("http.threads")), 4),
                duration(o, "http.request-timeout"),
                duration(o, "queue.lease"),
                duration(o, "queue.max-wait"),
                o.intAtLeast("queue.audit-every", Integer.parseInt(d("queue.audit-every")), 1),
                duration(o, "queue.done-retention"),
                o.intAtLeast("calibration.history", Integer.parseInt(d("calibration.history")), 1),
                alertEce(o),
                o.intAtLeast("calibration.min-labels", Integer.parseInt(d("calibration.min-labels")), 1),
                state.isEmpty()
                        ? Path.of(System.getProperty("java.io.tmpdir"), "bayesvlm-review-" + app)
                        : Path.of(state),
                o.intAtLeast("streams.threads", 1, 1),
                Map.copyOf(kafka));
    }

    /** Client settings for every Kafka client of the service (security, timeouts): {@code kafka.<name>} options. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }

    public String advertisedEndpoint(int boundPort) {
        return advertisedHost + ":" + boundPort;
    }

    /** The TLS settings, or null for plain HTTP; the stores are opened here, so a mistake stops the start. */
    private static io.bayesvlm.review.http.Tls tls(Options o) {
        String keystore = o.string("http.tls.keystore", "");
        if (keystore.isEmpty()) {
            for (String k :
                    List.of("http.tls.keystore-password", "http.tls.truststore", "http.tls.truststore-password")) {
                if (!o.string(k, "").isEmpty()) {
                    throw new IllegalArgumentException(k + " is set but http.tls.keystore is not");
                }
            }
            return null;
        }
        String password = o.orEnv("http.tls.keystore-password", "BAYESVLM_TLS_KEYSTORE_PASSWORD");
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException(
                    "http.tls.keystore needs a password: http.tls.keystore-password or BAYESVLM_TLS_KEYSTORE_PASSWORD");
        }
        String truststore = o.string("http.tls.truststore", keystore);
        String trustPassword = o.string("http.tls.truststore-password", password);
        io.bayesvlm.review.http.Tls tls = new io.bayesvlm.review.http.Tls(
                Path.of(keystore), password.toCharArray(), Path.of(truststore), trustPassword.toCharArray());
        tls.context(); // opens both stores now
        return tls;
    }

    /** Session cookies are Secure when asked for, and always when this service itself speaks TLS. */
    public boolean cookiesSecure() {
        return secureCookies || tls != null;
    }

    private static double alertEce(Options o) {
        String v = o.string("calibration.alert-ece", d("calibration.alert-ece"));
        double ece;
        try {
            ece = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("calibration.alert-ece must be a number, got '" + v + "'");
        }
        if (!(ece > 0 && ece <= 1)) {
            throw new IllegalArgumentException("calibration.alert-ece must be in (0, 1], got " + v);
        }
        return ece;
    }

    private static String d(String key) {
        return OPTIONS.get(key)[0];
    }

    private static String topic(Options o, String key) {
        return topic(o, key, d(key));
    }

    private static String topic(Options o, String key, String fallback) {
        String t = o.string(key, "");
        if (t.isEmpty()) {
            t = fallback;
        }
        if (t.isEmpty() || !t.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(key + " must be a Kafka topic name, got '" + t + "'");
        }
        return t;
    }

    private static Duration duration(Options o, String key) {
        return o.positiveDuration(key, Options.parseDuration(d(key)));
    }
}
