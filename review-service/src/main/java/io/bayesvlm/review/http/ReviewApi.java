package io.bayesvlm.review.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.bayesvlm.review.JsonSerde;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewStores;
import io.bayesvlm.review.calibration.KeepCalibrationHistory;
import io.bayesvlm.review.calibration.ReportView;
import io.bayesvlm.review.queue.Candidate;
import io.bayesvlm.review.queue.Command;
import io.bayesvlm.review.queue.ItemView;
import io.bayesvlm.review.queue.QueueItem;
import io.bayesvlm.review.queue.QueueOrder;
import io.bayesvlm.review.queue.QueueStore;
import io.bayesvlm.review.queue.QueueView;
import io.bayesvlm.review.queue.Replies;
import io.bayesvlm.review.queue.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API over the service's stores (docs/review-api.md) and the web UI's files. Reads are interactive
 * queries: a question about one item goes to the instance that owns it, a question about the whole queue or the
 * calibration history asks every instance. Changes (claim, label, skip) are commands on the commands topic,
 * applied by the owner's stream thread; the request waits for that outcome.
 */
public final class ReviewApi implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ReviewApi.class);
    static final String COOKIE = "bvlm_session";
    static final String FORWARDED = "X-Bayesvlm-Forwarded";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final int CANDIDATES_PER_KIND = 16;
    private static final int CLAIM_ATTEMPTS = 5;

    private final ReviewConfig config;
    private final ReviewStores stores;
    private final Replies replies;
    private final Producer<String, byte[]> commands;
    private final Users users;
    private final Sessions sessions;
    private final QueueOrder order;
    private final LongSupplier clock;
    private final ClaimCheckImages claimChecks;
    private final HttpClient peers =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong claimsServed = new AtomicLong();
    /** Basic-auth credentials already checked (PBKDF2 is slow on purpose): SHA-256 of the header to user and expiry. */
    private final Map<String, Map.Entry<String, Long>> basicCache = new ConcurrentHashMap<>();

    public ReviewApi(
            ReviewConfig config,
            ReviewStores stores,
            Replies replies,
            Producer<String, byte[]> commands,
            Users users,
            LongSupplier clock) {
        this.config = config;
        this.stores = stores;
        this.replies = replies;
        this.commands = commands;
        this.users = users;
        this.sessions = new Sessions(config.sessionSecret(), config.sessionTtl());
        this.order = new QueueOrder(config.maxWait().toMillis(), config.auditEvery());
        this.clock = clock;
        this.claimChecks = new ClaimCheckImages(
                config.topics().images(),
                io.bayesvlm.serde.RecordCodec.of(io.bayesvlm.avro.ImageEvent.class, config.registry()),
                config.clientProperties(),
                Duration.ofSeconds(10));
    }

    /** Closes the claim-check reader. */
    public void close() {
        claimChecks.close();
    }

    /** An HTTP answer: status, content type and body. */
    record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Response json(int status, Object value) {
            try {
                return new Response(
                        status, "application/json; charset=utf-8", JsonSerde.MAPPER.writeValueAsBytes(value), Map.of());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Response error(int status, String message) {
            return json(status, Map.of("error", message));
        }

        Response with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Response(status, contentType, body, h);
        }
    }

    /** Thrown to answer with an error status from anywhere in a handler. */
    static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        Response r;
        try {
            r = route(ex);
        } catch (HttpError e) {
            r = Response.error(e.status, e.getMessage());
        } catch (InvalidStateStoreException e) {
            // Starting, restoring or rebalancing: the client may try again shortly.
            r = Response.error(
                            503,
                            "the review queue is not ready (" + e.getClass().getSimpleName() + "); retry")
                    .with("Retry-After", "1");
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            r = Response.error(500, "internal error: " + e.getClass().getSimpleName());
        }
        send(ex, r);
    }

    private static void send(HttpExchange ex, Response r) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Content-Type", r.contentType());
        // Untrusted text only ever reaches the page as text; this policy also refuses inline and foreign scripts.
        h.set(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self';"
                        + " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        r.headers().forEach(h::set);
        byte[] body = r.body();
        ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private Response route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        if (!path.startsWith("/api/")) {
            return StaticFiles.serve(method, path);
        }
        if (path.equals("/api/health")) {
            return health();
        }
        if (path.equals("/api/login") && method.equals("POST")) {
            return login(ex);
        }
        if (path.equals("/api/logout") && method.equals("POST")) {
            return Response.json(200, Map.of("signedOut", true))
                    .with("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        }
        Users.User user = authenticate(ex);
        if (method.equals("POST")) {
            requireJson(ex);
        }
        List<String> seg = segments(path);
        switch (method + " " + String.join("/", seg.subList(0, Math.min(seg.size(), 2)))) {
            case "GET api/me":
                return Response.json(
                        200,
                        Map.of("user", user.name(), "role", user.role().name().toLowerCase()));
            case "GET api/queue":
                return Response.json(200, queueCounts(ex));
            case "GET api/calibration":
                return calibration(ex, seg);
            case "GET api/local":
                return local(ex, seg, user);
            case "POST api/local":
                if (seg.size() == 3 && seg.get(2).equals("claim-next")) {
                    // a peer chose a partition this instance owns
                    return apply(
                            new Command(
                                    Command.Type.CLAIM_NEXT,
                                    null,
                                    null,
                                    requireReviewer(user).name(),
                                    null,
                                    config.lease().toMillis(),
                                    intParam(ex, "n", 1, 1, Integer.MAX_VALUE)),
                            intParam(ex, "partition", 0, 0, 1 << 20),
                            user.name());
                }
                break;
            case "POST api/queue":
                if (seg.size() == 3 && seg.get(2).equals("next")) {
                    return next(ex, requireReviewer(user));
                }
                break;
            case "GET api/items":
            case "POST api/items":
                if (seg.size() >= 3) {
                    return item(ex, requireReviewer(user), seg);
                }
                break;
            default:
        }
        throw new HttpError(404, "no such API: " + method + " " + path);
    }

    // ---- authentication

    private Response login(HttpExchange ex) throws IOException {
        requireJson(ex);
        JsonNode body = readJson(ex);
        String name = body.path("username").asText("");
        String password = body.path("password").asText("");
        Optional<Users.User> user = users.authenticate(name, password.toCharArray());
        if (user.isEmpty()) {
            throw new HttpError(401, "wrong user name or password");
        }
        String token = sessions.issue(user.get().name(), clock.getAsLong());
        return Response.json(
                        200,
                        Map.of(
                                "user",
                                user.get().name(),
                                "role",
                                user.get().role().name().toLowerCase()))
                .with(
                        "Set-Cookie",
                        COOKIE + "=" + token + "; Path=/; Max-Age="
                                + sessions.ttl().toSeconds() + "; HttpOnly; SameSite=Strict");
    }

    /** The signed-in user: a session cookie from the login page, or HTTP basic credentials (API clients). */
    private Users.User authenticate(HttpExchange ex) {
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String c : cookies.split(";")) {
                String t = c.strip();
                if (t.startsWith(COOKIE + "=")) {
                    Optional<Users.User> u = sessions.verify(t.substring(COOKIE.length() + 1), clock.getAsLong())
                            .flatMap(users::byName);
                    if (u.isPresent()) {
                        return u.get();
                    }
                }
            }
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            Optional<Users.User> u = basic(auth);
            if (u.isPresent()) {
                return u.get();
            }
        }
        throw new HttpError(401, "sign in first");
    }

    private Optional<Users.User> basic(String header) {
        String digest;
        try {
            digest = java.util.HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(header.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long now = clock.getAsLong();
        Map.Entry<String, Long> cached = basicCache.get(digest);
        if (cached != null && cached.getValue() > now) {
            return users.byName(cached.getKey());
        }
        String decoded;
        try {
            decoded = new String(
                    java.util.Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        Optional<Users.User> u = users.authenticate(
                decoded.substring(0, colon), decoded.substring(colon + 1).toCharArray());
        u.ifPresent(user -> basicCache.put(digest, Map.entry(user.name(), now + 60_000)));
        return u;
    }

    private static Users.User requireReviewer(Users.User user) {
        if (user.role() != Users.Role.REVIEWER) {
            throw new HttpError(403, user.name() + " may view the dashboard but not review");
        }
        return user;
    }

    /** A cross-site form cannot send JSON without a CORS preflight, which this service never grants. */
    private static void requireJson(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            throw new HttpError(415, "POST bodies must be application/json");
        }
    }

    // ---- health

    private Response health() {
        String state = stores.state();
        boolean ok = state.equals("RUNNING");
        return Response.json(ok ? 200 : 503, Map.of("state", state, "instance", hostString(stores.self())));
    }

    // ---- the queue

    private Map<String, Long> queueCounts(HttpExchange ex) throws IOException {
        Map<String, Long> total = new LinkedHashMap<>(localCounts());
        if (!forwarded(ex)) {
            for (HostInfo h : stores.others(QueueStore.ITEMS)) {
                Map<String, Long> remote = JsonSerde.MAPPER.readValue(
                        peer(ex, h, "GET", "/api/local/counts", null).body(),
                        new TypeReference<Map<String, Long>>() {});
                remote.forEach((k, v) -> total.merge(k, v, Long::sum));
            }
        }
        total.put("pending", total.getOrDefault("pending-uncertain", 0L) + total.getOrDefault("pending-audit", 0L));
        return total;
    }

    private Map<String, Long> localCounts() {
        Map<String, Long> total = new LinkedHashMap<>();
        for (QueueView q : stores.localQueues()) {
            q.counts().forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        return total;
    }

    /**
     * The next item for this reviewer: the item they already hold, else the queue's pick. The pick only chooses the
     * partition; the owner's stream thread claims that partition's best item itself (CLAIM_NEXT), so reviewers
     * asking at the same moment get different items instead of racing for one.
     */
    private Response next(HttpExchange ex, Users.User user) throws IOException {
        Set<Integer> emptied = new HashSet<>();
        long claimNumber = claimsServed.get() + 1;
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            Candidates all = candidates(ex, user);
            Optional<Candidate> pick = all.held().stream().min(Comparator.comparingLong(Candidate::enqueuedAt));
            if (pick.isEmpty()) {
                List<Candidate> open = all.pending().stream()
                        .filter(c -> !emptied.contains(stores.partitionOf(c.eventId())))
                        .toList();
                pick = order.pick(open, clock.getAsLong(), claimNumber);
            }
            if (pick.isEmpty()) {
                return new Response(204, "application/json", new byte[0], Map.of());
            }
            int partition = stores.partitionOf(pick.get().eventId());
            Optional<HostInfo> owner = stores.ownerOf(pick.get().eventId());
            if (owner.isEmpty()) {
                throw new HttpError(503, "the queue is rebalancing; retry");
            }
            Response r = owner.get().equals(stores.self())
                    ? apply(
                            new Command(
                                    Command.Type.CLAIM_NEXT,
                                    null,
                                    null,
                                    user.name(),
                                    null,
                                    config.lease().toMillis(),
                                    claimNumber),
                            partition,
                            user.name())
                    : peer(
                            ex,
                            owner.get(),
                            "POST",
                            "/api/local/claim-next?partition=" + partition + "&n=" + claimNumber,
                            "{}");
            if (r.status() == 200) {
                claimsServed.incrementAndGet();
                return r;
            }
            if (r.status() != 404) {
                return r;
            }
            emptied.add(partition); // taken by others since we looked: try another partition
        }
        return Response.error(503, "the queue is busy; retry").with("Retry-After", "1");
    }

    record Candidates(List<Candidate> held, List<Candidate> pending) {}

    private Candidates candidates(HttpExchange ex, Users.User user) throws IOException {
        Candidates local = localCandidates(user);
        List<Candidate> held = new ArrayList<>(local.held());
        List<Candidate> pending = new ArrayList<>(local.pending());
        if (!forwarded(ex)) {
            for (HostInfo h : stores.others(QueueStore.ITEMS)) {
                Candidates c = JsonSerde.MAPPER.readValue(
                        peer(ex, h, "GET", "/api/local/candidates", null).body(), Candidates.class);
                held.addAll(c.held());
                pending.addAll(c.pending());
            }
        }
        return new Candidates(held, pending);
    }

    /** This instance's view for the reviewer: items they hold, and the best pending ones they have not skipped. */
    private Candidates localCandidates(Users.User user) {
        List<Candidate> held = new ArrayList<>();
        List<Candidate> pending = new ArrayList<>();
        long now = clock.getAsLong();
        for (QueueView q : stores.localQueues()) {
            held.addAll(q.heldBy(user.name(), now));
            pending.addAll(q.candidates(CANDIDATES_PER_KIND, i -> i.skippedBy().contains(user.name())));
        }
        return new Candidates(held, pending);
    }

    private Response item(HttpExchange ex, Users.User user, List<String> seg) throws IOException {
        String id = seg.get(2);
        String action = seg.size() > 3 ? seg.get(3) : "";
        if (ex.getRequestMethod().equals("POST")) {
            Command.Type type = switch (action) {
                case "claim" -> Command.Type.CLAIM;
                case "label" -> Command.Type.LABEL;
                case "skip" -> Command.Type.SKIP;
                default -> throw new HttpError(404, "no such action '" + action + "'");
            };
            String label = null;
            if (type == Command.Type.LABEL) {
                label = readJson(ex).path("label").asText(null);
                if (label == null) {
                    throw new HttpError(400, "a label needs {\"label\": \"<class id>\"}");
                }
            }
            return command(ex, user, type, id, label);
        }
        if (!action.isEmpty() && !action.equals("image")) {
            throw new HttpError(404, "no such API");
        }
        HostInfo owner = stores.ownerOf(id).orElseThrow(() -> new HttpError(503, "the queue is rebalancing; retry"));
        if (!owner.equals(stores.self())) {
            return forward(ex, owner);
        }
        QueueItem item = stores.queue(stores.partitionOf(id)).items().get(id);
        if (item == null) {
            throw new HttpError(404, "no review item '" + id + "'");
        }
        return action.equals("image") ? image(item) : Response.json(200, ItemView.of(item));
    }

    private Response image(QueueItem item) {
        byte[] b = item.image();
        if (b == null) {
            try {
                b = claimChecks.image(item.imageRef());
            } catch (ClaimCheckImages.Unavailable e) {
                throw new HttpError(e.status, e.getMessage());
            }
        }
        // Only real image types are served as such; anything else stays an opaque download.
        return new Response(200, sniff(b), b, Map.of("Content-Disposition", "inline; filename=\"image\""));
    }

    static String sniff(byte[] b) {
        if (b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length > 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (b.length > 12
                && b[0] == 'R'
                && b[1] == 'I'
                && b[2] == 'F'
                && b[3] == 'F'
                && b[8] == 'W'
                && b[9] == 'E'
                && b[10] == 'B'
                && b[11] == 'P') {
            return "image/webp";
        }
        if (b.length > 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
            return "image/gif";
        }
        return "application/octet-stream";
    }

    /**
     * A change to one item: sent to the owner (forwarded when that is another instance), written to the commands
     * topic keyed by the item, and answered with what the owner's stream thread made of it.
     */
    private Response command(HttpExchange ex, Users.User user, Command.Type type, String id, String label)
            throws IOException {
        Optional<HostInfo> owner = stores.ownerOf(id);
        if (owner.isEmpty()) {
            throw new HttpError(503, "the queue is rebalancing; retry");
        }
        if (!owner.get().equals(stores.self())) {
            if (forwarded(ex)) {
                throw new HttpError(503, "ownership of the item moved; retry");
            }
            String body =
                    type == Command.Type.LABEL ? JsonSerde.MAPPER.writeValueAsString(Map.of("label", label)) : "{}";
            return peer(
                    ex,
                    owner.get(),
                    "POST",
                    "/api/items/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/"
                            + type.name().toLowerCase(),
                    body);
        }
        return apply(
                Command.of(type, null, id, user.name(), label, config.lease().toMillis()), stores.partitionOf(id), id);
    }

    /** Writes a command to a partition of the commands topic this instance owns and waits for its outcome. */
    private Response apply(Command command, int partition, String key) throws IOException {
        String requestId = replies.newRequestId();
        CompletableFuture<Reply> reply = replies.await(requestId);
        Command c = new Command(
                command.type(),
                requestId,
                command.eventId(),
                command.reviewer(),
                command.label(),
                command.leaseMillis(),
                command.claimNumber());
        try {
            commands.send(new ProducerRecord<>(
                    config.topics().commands(),
                    partition,
                    clock.getAsLong(),
                    key,
                    JsonSerde.MAPPER.writeValueAsBytes(c)));
            Reply r = reply.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (r.outcome() != Reply.Outcome.OK) {
                return Response.error(r.outcome().httpStatus, r.message());
            }
            return Response.json(200, ItemView.of(r.item()));
        } catch (TimeoutException e) {
            throw new HttpError(503, "the command was not applied within " + COMMAND_TIMEOUT.toSeconds() + " s; retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            replies.forget(requestId);
        }
    }

    // ---- calibration

    private Response calibration(HttpExchange ex, List<String> seg) throws IOException {
        String what = seg.size() > 2 ? seg.get(2) : "";
        int limit = intParam(ex, "limit", 200, 1, 10_000);
        List<ReportView> all = history(ex, limit);
        return switch (what) {
            case "history" -> Response.json(200, all);
            case "latest" -> {
                Map<String, ReportView> latest = new TreeMap<>();
                for (ReportView r : all) {
                    latest.merge(r.model(), r, (a, b) -> a.windowEnd() >= b.windowEnd() ? a : b);
                }
                yield Response.json(200, new ArrayList<>(latest.values()));
            }
            default -> throw new HttpError(404, "calibration/latest or calibration/history");
        };
    }

    /** The latest {@code limit} reports of every model from all instances, oldest first. */
    private List<ReportView> history(HttpExchange ex, int limit) throws IOException {
        List<ReportView> all = new ArrayList<>(localHistory(limit));
        if (!forwarded(ex)) {
            for (HostInfo h : stores.others(KeepCalibrationHistory.STORE)) {
                all.addAll(JsonSerde.MAPPER.readValue(
                        peer(ex, h, "GET", "/api/local/calibration?limit=" + limit, null)
                                .body(),
                        new TypeReference<List<ReportView>>() {}));
            }
        }
        all.sort(Comparator.comparing(ReportView::model).thenComparingLong(ReportView::windowEnd));
        Map<String, List<ReportView>> byModel = new LinkedHashMap<>();
        all.forEach(
                r -> byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));
        List<ReportView> out = new ArrayList<>();
        byModel.values().forEach(l -> out.addAll(l.subList(Math.max(0, l.size() - limit), l.size())));
        return out;
    }

    private List<ReportView> localHistory(int limit) {
        if (!stores.holdsCalibration()) {
            return List.of();
        }
        Map<String, List<ReportView>> byModel = new HashMap<>();
        try (KeyValueIterator<String, ReportView> it = stores.localCalibration().all()) {
            it.forEachRemaining(kv -> byModel.computeIfAbsent(kv.value.model(), k -> new ArrayList<>())
                    .add(kv.value));
        }
        List<ReportView> out = new ArrayList<>();
        for (List<ReportView> l : byModel.values()) {
            l.sort(Comparator.comparingLong(ReportView::windowEnd));
            out.addAll(l.subList(Math.max(0, l.size() - limit), l.size()));
        }
        return out;
    }

    // ---- what other instances ask this one

    private Response local(HttpExchange ex, List<String> seg, Users.User user) {
        String what = seg.size() > 2 ? seg.get(2) : "";
        return switch (what) {
            case "counts" -> Response.json(200, localCounts());
            case "calibration" -> Response.json(200, localHistory(intParam(ex, "limit", 200, 1, 10_000)));
            case "candidates" -> Response.json(200, localCandidates(requireReviewer(user)));
            default -> throw new HttpError(404, "no such API");
        };
    }

    // ---- helpers

    private static boolean forwarded(HttpExchange ex) {
        return ex.getRequestHeaders().containsKey(FORWARDED);
    }

    private Response forward(HttpExchange ex, HostInfo owner) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        return peer(
                ex,
                owner,
                ex.getRequestMethod(),
                ex.getRequestURI().getRawPath()
                        + (ex.getRequestURI().getRawQuery() == null
                                ? ""
                                : "?" + ex.getRequestURI().getRawQuery()),
                body.length == 0 ? null : new String(body, StandardCharsets.UTF_8));
    }

    /** The same request, with the caller's credentials, to another instance that answers from its own stores. */
    private Response peer(HttpExchange ex, HostInfo host, String method, String pathAndQuery, String body)
            throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + hostString(host) + pathAndQuery))
                .timeout(COMMAND_TIMEOUT.plusSeconds(5))
                .header(FORWARDED, hostString(stores.self()));
        for (String h : List.of("Cookie", "Authorization")) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        if (method.equals("POST")) {
            b.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body));
        } else {
            b.GET();
        }
        try {
            HttpResponse<byte[]> r = peers.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 500 || r.statusCode() == 401) {
                throw new HttpError(
                        r.statusCode() == 401 ? 503 : r.statusCode(),
                        "instance " + hostString(host) + " answered " + r.statusCode() + ": "
                                + new String(r.body(), StandardCharsets.UTF_8));
            }
            return new Response(
                    r.statusCode(),
                    r.headers().firstValue("Content-Type").orElse("application/json"),
                    r.body(),
                    Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        } catch (java.net.ConnectException e) {
            throw new HttpError(503, "instance " + hostString(host) + " is unreachable; retry");
        }
    }

    private static String hostString(HostInfo h) {
        return h.host() + ":" + h.port();
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static JsonNode readJson(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(64 * 1024);
            if (b.length == 0) {
                return JsonSerde.MAPPER.createObjectNode();
            }
            try {
                return JsonSerde.MAPPER.readTree(b);
            } catch (IOException e) {
                throw new HttpError(400, "the body is not JSON");
            }
        }
    }

    private static String rawParam(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String kv : q.split("&")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static int intParam(HttpExchange ex, String name, int fallback, int min, int max) {
        String raw = rawParam(ex, name);
        if (raw == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new HttpError(400, name + " must be an integer from " + min + " to " + max);
        }
    }
}
