package io.bayesvlm.review;

import com.sun.net.httpserver.HttpServer;
import io.bayesvlm.review.http.Passwords;
import io.bayesvlm.review.http.ReviewApi;
import io.bayesvlm.review.http.Sessions;
import io.bayesvlm.review.http.Users;
import io.bayesvlm.review.queue.Replies;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/bayesvlm review --config FILE [--key value ...]}: the review service. Checks the topics, starts the
 * Kafka Streams application ({@link ReviewTopology}, exactly_once_v2) and the HTTP server ({@link ReviewApi}),
 * and stops both cleanly on Ctrl-C. {@code --hash-password} prints a users-file hash of a password read from the
 * terminal (or stdin).
 */
public final class ReviewService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReviewService.class);

    private final KafkaStreams streams;
    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final KafkaProducer<String, byte[]> commands;
    private final String url;
    private final ReviewApi api;
    private final SessionRevocations revocations;
    private final CommittedReplies committed;

    private ReviewService(
            KafkaStreams streams,
            HttpServer http,
            ExecutorService httpThreads,
            KafkaProducer<String, byte[]> commands,
            ReviewApi api,
            SessionRevocations revocations,
            CommittedReplies committed,
            String url) {
        this.api = api;
        this.committed = committed;
        this.revocations = revocations;
        this.streams = streams;
        this.http = http;
        this.httpThreads = httpThreads;
        this.commands = commands;
        this.url = url;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--hash-password")) {
            System.out.println(Passwords.hash(readPassword()));
            return;
        }
        ReviewService service;
        try {
            service = start(ReviewConfig.parse(args));
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("bayesvlm review: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IllegalStateException e) {
            System.err.println("bayesvlm review: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            service.close();
                            stopped.countDown();
                        },
                        "review-service-shutdown"));
        System.out.println("bayesvlm review: serving " + service.url() + " (reviewers: " + service.url()
                + "/review, dashboard: " + service.url() + "/dashboard)");
        stopped.await();
    }

    private static char[] readPassword() throws java.io.IOException {
        Console console = System.console();
        if (console != null) {
            return console.readPassword("password: ");
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) {
            throw new IllegalArgumentException("no password on stdin");
        }
        return line.toCharArray();
    }

    /** Starts the service; returns once the HTTP server listens (the stream tasks restore in the background). */
    public static ReviewService start(ReviewConfig c) throws java.io.IOException {
        Users users = Users.load(c.usersFile());
        checkRegistry(c);
        try (Admin admin = Admin.create(c.clientProperties())) {
            ensureTopics(admin, c);
            BrokerAdvice.transactionRetryBackoff(admin, Duration.ofSeconds(10))
                    .flatMap(BrokerAdvice::forTransactionRetryBackoff)
                    .ifPresent(LOG::warn);
        }
        // Small JSON answers are written as headers then body: without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK add ~40 ms to every request (read once, when the JDK's server first starts).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // A request's headers and body must arrive within http.request-timeout, an answer be read within three times
        // it: the JDK's server then closes the connection, so slow clients cannot hold the threads (read once).
        long timeout = Math.max(1, c.httpRequestTimeout().toSeconds());
        System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(timeout));
        System.setProperty("sun.net.httpserver.maxRspTime", Long.toString(3 * timeout));
        HttpServer http;
        if (c.tls() == null) {
            http = HttpServer.create(new InetSocketAddress(c.httpHost(), c.httpPort()), 64);
        } else {
            com.sun.net.httpserver.HttpsServer https =
                    com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(c.httpHost(), c.httpPort()), 64);
            https.setHttpsConfigurator(
                    new com.sun.net.httpserver.HttpsConfigurator(c.tls().context()));
            http = https;
        }
        int port = http.getAddress().getPort();
        HostInfo self = new HostInfo(c.advertisedHost(), port);

        Replies replies = new Replies();
        CommittedReplies committed =
                new CommittedReplies(c.clientProperties(), c.topics().replies(), replies);
        KafkaStreams streams = new KafkaStreams(ReviewTopology.buildTopology(c), streamsProperties(c, self));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .REPLACE_THREAD;
        });
        Properties pp = c.clientProperties();
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        KafkaProducer<String, byte[]> commands =
                new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());

        ExecutorService threads = Executors.newFixedThreadPool(c.httpThreads(), r -> {
            Thread t = new Thread(r, "review-http");
            t.setDaemon(true);
            return t;
        });
        Sessions sessions = new Sessions(c.sessionSecret(), c.sessionTtl());
        SessionRevocations revocations = new SessionRevocations(
                c.clientProperties(), c.topics().revokedSessions(), sessions, System::currentTimeMillis);
        ReviewApi api = new ReviewApi(
                c,
                new ReviewStores(streams, self, c.topics()),
                replies,
                commands,
                users,
                sessions,
                revocations,
                System::currentTimeMillis);
        http.createContext("/", api);
        http.setExecutor(threads);
        streams.start();
        http.start();
        String host = c.httpHost().contains(":") ? "[" + c.httpHost() + "]" : c.httpHost();
        return new ReviewService(
                streams,
                http,
                threads,
                commands,
                api,
                revocations,
                committed,
                (c.tls() == null ? "http://" : "https://") + host + ":" + port);
    }

    /**
     * With a schema registry, every subject the service writes (labels, dead letters) must resolve before it serves:
     * a missing subject with registry.auto-register off would otherwise be found at the first label, by a stream
     * thread that then fails (IllegalStateException with a message naming the option).
     */
    static void checkRegistry(ReviewConfig c) {
        if (!c.registry().enabled()) {
            return;
        }
        Map<String, org.apache.avro.Schema> outputs = new java.util.LinkedHashMap<>();
        outputs.put(c.topics().labels(), io.bayesvlm.avro.LabelEvent.getClassSchema());
        outputs.put(c.topics().deadLetters(), io.bayesvlm.avro.DeadLetter.getClassSchema());
        io.bayesvlm.serde.registry.RegistryPreflight.check(c.registry(), outputs);
    }

    static Properties streamsProperties(ReviewConfig c, HostInfo self) {
        Properties p = new Properties();
        // Commands wait for their outcome: poll them promptly, commit often (labels become visible on commit).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // A task reads review requests and commands; never hold one back waiting for the other (their relative
        // order does not matter: a command names an item the reviewer has already seen).
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // A commit per answer means a transaction begun right after the last one's commit, whose partitions the
        // coordinator refuses (CONCURRENT_TRANSACTIONS) until that commit's markers are written; the producer then
        // retries after retry.backoff.ms, by default 100 ms, which sat in the answers' p99 (review-bench, 1 reviewer:
        // next p99 117 -> 77 ms with 5 ms; exponential up to retry.backoff.max.ms, so a down broker is not hammered).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), "5");
        p.putAll(c.clientProperties()); // kafka.* options may tune the above
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(c.streamThreads()));
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Integer.toString(c.replicationFactor()));
        return p;
    }

    /**
     * The job's topics must exist (the error names the option); the service's own topics (commands, labels by item)
     * are created with the partition count of the review requests, since one task must own an item's request, its
     * commands and its labels.
     */
    static void ensureTopics(Admin admin, ReviewConfig c) {
        ReviewConfig.Topics t = c.topics();
        Map<String, String> options = Map.of(
                t.reviews(),
                "topics.review-requests",
                t.calibration(),
                "topics.calibration",
                t.labels(),
                "topics.labels",
                t.deadLetters(),
                "topics.dead-letters");
        Map<String, TopicDescription> found = describe(admin, c, List.copyOf(options.keySet()), options);
        int partitions = found.get(t.reviews()).partitions().size();
        ensureCoPartitioned(admin, c, "topics.commands", t.commands(), partitions);
        ensureCoPartitioned(admin, c, "topics.labels-by-item", t.labelsByItem(), partitions);
        ensureCoPartitioned(admin, c, "topics.requests-by-item", t.requestsByItem(), partitions);
        ensureSingleTopic(admin, c, c.topics().revokedSessions(), Map.of("cleanup.policy", "compact"));
        ensureSingleTopic(admin, c, c.topics().replies(), Map.of("retention.ms", "3600000"));
    }

    /**
     * A topic every instance reads whole (one partition): the sign-outs (compacted, the latest revocation per
     * token) and the commands' outcomes (kept an hour: only waiting requests read them).
     */
    private static void ensureSingleTopic(Admin admin, ReviewConfig c, String topic, Map<String, String> configs) {
        try {
            short rf = (short) c.replicationFactor();
            admin.createTopics(List.of(new NewTopic(
                                    topic,
                                    java.util.Optional.of(1),
                                    rf < 0 ? java.util.Optional.empty() : java.util.Optional.of(rf))
                            .configs(configs)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            LOG.info("created topic {}", topic);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("cannot create topic '" + topic + "': " + e.getCause(), e);
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + c.bootstrapServers() + " did not answer: " + e, e);
        }
    }

    /** The service's own topic, created with {@code partitions} if missing; an existing one must have as many. */
    private static void ensureCoPartitioned(Admin admin, ReviewConfig c, String option, String topic, int partitions) {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic);
            if (d.partitions().size() != partitions) {
                throw new IllegalArgumentException(
                        option + ": topic '" + topic + "' has " + d.partitions().size()
                                + " partitions but '" + c.topics().reviews() + "' has " + partitions
                                + "; they must match (delete it, or name another with " + option + ")");
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot describe topic '" + topic + "': " + e.getCause(), e);
            }
            try {
                short rf = (short) c.replicationFactor();
                admin.createTopics(List.of(new NewTopic(
                                topic,
                                java.util.Optional.of(partitions),
                                rf < 0 ? java.util.Optional.empty() : java.util.Optional.of(rf))))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                LOG.info("created topic {} with {} partitions", topic, partitions);
            } catch (Exception ce) {
                if (!(ce.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic '" + topic + "': " + ce, ce);
                }
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + c.bootstrapServers() + " did not answer: " + e, e);
        }
    }

    private static Map<String, TopicDescription> describe(
            Admin admin, ReviewConfig c, List<String> topics, Map<String, String> options) {
        try {
            return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            for (String topic : topics) {
                try {
                    admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS);
                } catch (Exception missing) {
                    throw new IllegalArgumentException(options.get(topic) + ": topic '" + topic + "' does not exist"
                            + " (the job creates its topics; start it first or create them)");
                }
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka at " + c.bootstrapServers() + " (bootstrap.servers) did not answer" + " within 30 s", e);
        }
    }

    public String url() {
        return url;
    }

    /** Waits until the stream tasks run (state restored), so the queue can be queried. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("review service not running after " + timeout + ": " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        httpThreads.shutdownNow();
        api.close();
        revocations.close();
        committed.close();
        commands.close(Duration.ofSeconds(5));
        // A clean stop leaves the group, so the partitions move to the other instances (or a restarted one) at
        // once instead of after the session timeout.
        streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                        org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
