package io.bayesvlm.review.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;
import io.bayesvlm.review.JsonSerde;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewStores;
import io.bayesvlm.review.queue.Candidate;
import io.bayesvlm.review.queue.Command;
import io.bayesvlm.review.queue.Escalation;
import io.bayesvlm.review.queue.ItemView;
import io.bayesvlm.review.queue.QueueItem;
import io.bayesvlm.review.queue.QueueOrder;
import io.bayesvlm.review.queue.QueueStore;
import io.bayesvlm.review.queue.QueueView;
import io.bayesvlm.review.queue.Replies;
import io.bayesvlm.review.queue.Reply;
import io.bayesvlm.review.queue.ReviewerFigures;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The queue's endpoints: counts, next, an item (and its image), claim / label / skip, and what other instances ask
 * of this one's part of the queue. Reads are interactive queries (an item's owner answers for it, the whole queue is
 * every instance's answers together); changes are commands on the commands topic, applied by the owner's stream
 * thread, and the request waits for that outcome.
 */
final class QueueEndpoints {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final int CANDIDATES_PER_KIND = 16;
    private static final int CLAIM_ATTEMPTS = 5;
    static final int MAX_NOTE = 500;
    /** How many escalated items the escalated queue lists (oldest first). */
    static final int ESCALATED_LISTED = 50;

    private final ReviewConfig config;
    private final ReviewStores stores;
    private final Replies replies;
    private final Producer<String, byte[]> commands;
    private final QueueOrder order;
    private final LongSupplier clock;
    private final ClaimCheckImages claimChecks;
    private final PeerForwarder peers;
    private final AtomicLong claimsServed = new AtomicLong();

    QueueEndpoints(
            ReviewConfig config,
            ReviewStores stores,
            Replies replies,
            Producer<String, byte[]> commands,
            PeerForwarder peers,
            LongSupplier clock) {
        this.config = config;
        this.stores = stores;
        this.replies = replies;
        this.commands = commands;
        this.peers = peers;
        this.clock = clock;
        this.order = new QueueOrder(config.maxWait().toMillis(), config.auditEvery());
        this.claimChecks = new ClaimCheckImages(
                config.topics().images(),
                io.bayesvlm.serde.RecordCodec.of(io.bayesvlm.avro.ImageEvent.class, config.registry()),
                config.clientProperties(),
                Duration.ofSeconds(10));
    }

    void close() {
        claimChecks.close();
    }

    Map<String, Long> counts(Authenticator.Caller caller) throws IOException {
        Map<String, Long> total = new LinkedHashMap<>(localCounts());
        if (!caller.viaPeer()) {
            for (HostInfo h : stores.others(QueueStore.ITEMS)) {
                Map<String, Long> remote = JsonSerde.MAPPER.readValue(
                        peers.call(caller.user().name(), h, "GET", "/api/local/counts", null, PeerForwarder.Expect.JSON)
                                .body(),
                        new TypeReference<Map<String, Long>>() {});
                remote.forEach((k, v) -> total.merge(k, v, Long::sum));
            }
        }
        total.put("pending", total.getOrDefault("pending-uncertain", 0L) + total.getOrDefault("pending-audit", 0L));
        return total;
    }

    Map<String, Long> localCounts() {
        Map<String, Long> total = new LinkedHashMap<>();
        for (QueueView q : stores.localQueues()) {
            q.counts().forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        return total;
    }

    /** The escalated queue: every instance's escalated items, oldest first. */
    List<Escalation> escalated(Authenticator.Caller caller) throws IOException {
        List<Escalation> all = new ArrayList<>(localEscalated());
        if (!caller.viaPeer()) {
            for (HostInfo h : stores.others(QueueStore.ITEMS)) {
                all.addAll(JsonSerde.MAPPER.readValue(
                        peers.call(
                                        caller.user().name(),
                                        h,
                                        "GET",
                                        "/api/local/escalated",
                                        null,
                                        PeerForwarder.Expect.JSON)
                                .body(),
                        new TypeReference<List<Escalation>>() {}));
            }
        }
        all.sort(Comparator.comparingLong(Escalation::escalatedAt));
        return all.subList(0, Math.min(all.size(), ESCALATED_LISTED));
    }

    List<Escalation> localEscalated() {
        List<Escalation> out = new ArrayList<>();
        for (QueueView q : stores.localQueues()) {
            out.addAll(q.escalated(ESCALATED_LISTED));
        }
        return out;
    }

    /** The signed-in reviewer's figures, every instance's share added up ({@link ReviewerFigures}). */
    ReviewerFigures figures(Authenticator.Caller caller) throws IOException {
        ReviewerFigures f = localFigures(caller);
        if (!caller.viaPeer()) {
            for (HostInfo h : stores.others(QueueStore.ITEMS)) {
                f = f.plus(JsonSerde.MAPPER.readValue(
                        peers.call(
                                        caller.user().name(),
                                        h,
                                        "GET",
                                        "/api/local/figures",
                                        null,
                                        PeerForwarder.Expect.JSON)
                                .body(),
                        ReviewerFigures.class));
            }
        }
        return f;
    }

    ReviewerFigures localFigures(Authenticator.Caller caller) {
        String me = Authenticator.requireReviewer(caller.user()).name();
        long hourAgo = clock.getAsLong() - Duration.ofHours(1).toMillis();
        ReviewerFigures f = ReviewerFigures.NONE;
        for (QueueView q : stores.localQueues()) {
            f = f.plus(q.figuresOf(me, hourAgo));
        }
        return f;
    }

    /**
     * The next item for this reviewer: the item they already hold, else the queue's pick. The pick only chooses the
     * partition; the owner's stream thread claims that partition's best item itself (CLAIM_NEXT), so reviewers
     * asking at the same moment get different items instead of racing for one.
     */
    Response next(Authenticator.Caller caller, byte[] body) throws IOException {
        Users.User user = caller.user();
        List<String> except = except(body);
        Set<Integer> emptied = new HashSet<>();
        long claimNumber = claimsServed.get() + 1;
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            Candidates all = candidates(caller);
            Optional<Candidate> pick = all.held().stream()
                    .filter(c -> !except.contains(c.eventId()))
                    .min(Comparator.comparingLong(Candidate::enqueuedAt));
            if (pick.isEmpty()) {
                List<Candidate> open = all.pending().stream()
                        .filter(c -> !emptied.contains(stores.partitionOf(c.eventId())))
                        .toList();
                pick = order.pick(open, clock.getAsLong(), claimNumber);
            }
            if (pick.isEmpty()) {
                return Response.noContent();
            }
            int partition = stores.partitionOf(pick.get().eventId());
            Optional<HostInfo> owner = stores.ownerOf(pick.get().eventId());
            if (owner.isEmpty()) {
                throw new HttpError(503, "the queue is rebalancing; retry");
            }
            Response r = owner.get().equals(stores.self())
                    ? claimNext(user, partition, claimNumber, except)
                    : peers.call(
                            user.name(),
                            owner.get(),
                            "POST",
                            "/api/local/claim-next?partition=" + partition + "&n=" + claimNumber,
                            JsonSerde.MAPPER.writeValueAsBytes(Map.of("except", except)),
                            PeerForwarder.Expect.JSON);
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

    /**
     * A peer's pick of one of this instance's partitions. Only verified peers call it (they choose the claim number,
     * which decides when an audit comes next); a partition the queue does not have is a bad request and one this
     * instance does not own is refused, both at once.
     */
    Response localClaimNext(HttpExchange ex, Authenticator.Caller caller, byte[] body) throws IOException {
        Authenticator.requirePeer(caller);
        // a partition the topic does not have is a bad request (400), one another instance owns a retry (409)
        int partitions = commands.partitionsFor(config.topics().commands()).size();
        int partition = Requests.intParam(ex, "partition", -1, 0, partitions - 1);
        if (!stores.ownsPartition(partition)) {
            throw new HttpError(409, "partition " + partition + " of the queue is not this instance's; retry");
        }
        return claimNext(
                Authenticator.requireReviewer(caller.user()),
                partition,
                Requests.intParam(ex, "n", 1, 1, Integer.MAX_VALUE),
                except(body));
    }

    /** At most this many held items the page may ask not to be handed back (its labels in their undo window). */
    static final int MAX_EXCEPT = 20;

    /** {@code {"except": [event ids]}} of a next request, validated; empty when there is no body. */
    static List<String> except(byte[] body) {
        com.fasterxml.jackson.databind.JsonNode ids = Requests.json(body).path("except");
        if (ids.isMissingNode() || ids.isNull()) {
            return List.of();
        }
        if (!ids.isArray() || ids.size() > MAX_EXCEPT) {
            throw new HttpError(400, "\"except\" is a list of at most " + MAX_EXCEPT + " event ids");
        }
        List<String> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode id : ids) {
            if (!id.isTextual()) {
                throw new HttpError(400, "\"except\" holds event ids (strings)");
            }
            out.add(id.asText());
        }
        return List.copyOf(out);
    }

    private Response claimNext(Users.User user, int partition, long claimNumber, List<String> except)
            throws IOException {
        return apply(
                new Command(
                        Command.Type.CLAIM_NEXT,
                        null,
                        null,
                        user.name(),
                        null,
                        config.lease().toMillis(),
                        claimNumber,
                        null,
                        except),
                partition,
                user.name());
    }

    record Candidates(List<Candidate> held, List<Candidate> pending) {}

    private Candidates candidates(Authenticator.Caller caller) throws IOException {
        Candidates local = localCandidates(caller.user());
        List<Candidate> held = new ArrayList<>(local.held());
        List<Candidate> pending = new ArrayList<>(local.pending());
        for (HostInfo h : stores.others(QueueStore.ITEMS)) {
            Candidates c = JsonSerde.MAPPER.readValue(
                    peers.call(caller.user().name(), h, "GET", "/api/local/candidates", null, PeerForwarder.Expect.JSON)
                            .body(),
                    Candidates.class);
            held.addAll(c.held());
            pending.addAll(c.pending());
        }
        return new Candidates(held, pending);
    }

    /** This instance's view for the reviewer: items they hold, and the best pending ones they have not skipped. */
    Candidates localCandidates(Users.User user) {
        Authenticator.requireReviewer(user);
        List<Candidate> held = new ArrayList<>();
        List<Candidate> pending = new ArrayList<>();
        long now = clock.getAsLong();
        for (QueueView q : stores.localQueues()) {
            held.addAll(q.heldBy(user.name(), now));
            pending.addAll(q.candidates(CANDIDATES_PER_KIND, i -> i.skippedBy().contains(user.name())));
        }
        return new Candidates(held, pending);
    }

    /** GET an item or its image; POST claim / label / skip. */
    Response item(HttpExchange ex, Authenticator.Caller caller, List<String> seg, byte[] body) throws IOException {
        Users.User user = Authenticator.requireReviewer(caller.user());
        String id = seg.get(2);
        String action = seg.size() > 3 ? seg.get(3) : "";
        if (ex.getRequestMethod().equals("POST")) {
            Command.Type type = switch (action) {
                case "claim" -> Command.Type.CLAIM;
                case "label" -> Command.Type.LABEL;
                case "relabel" -> Command.Type.RELABEL;
                case "skip" -> Command.Type.SKIP;
                case "renew" -> Command.Type.RENEW;
                case "escalate" -> Command.Type.ESCALATE;
                default -> throw new HttpError(404, "no such action '" + action + "'");
            };
            String label = null;
            String note = null;
            if (type == Command.Type.LABEL || type == Command.Type.RELABEL) {
                label = Requests.json(body).path("label").asText(null);
                if (label == null) {
                    throw new HttpError(400, "a label needs {\"label\": \"<class id>\"}");
                }
            } else if (type == Command.Type.ESCALATE) {
                note = Requests.json(body).path("note").asText("").strip();
                if (note.length() > MAX_NOTE) {
                    throw new HttpError(400, "an escalation note is at most " + MAX_NOTE + " characters");
                }
            }
            return command(caller, type, id, label, note);
        }
        if (!action.isEmpty() && !action.equals("image")) {
            throw new HttpError(404, "no such API");
        }
        HostInfo owner = stores.ownerOf(id).orElseThrow(() -> new HttpError(503, "the queue is rebalancing; retry"));
        if (!owner.equals(stores.self())) {
            if (caller.viaPeer()) {
                throw new HttpError(503, "ownership of the item moved; retry");
            }
            return peers.call(
                    user.name(),
                    owner,
                    "GET",
                    Requests.pathAndQuery(ex),
                    null,
                    action.equals("image") ? PeerForwarder.Expect.IMAGE : PeerForwarder.Expect.JSON);
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
        return new Response(200, ImageTypes.sniff(b), b, Map.of("Content-Disposition", "inline; filename=\"image\""));
    }

    /**
     * A change to one item: sent to the owner (forwarded when that is another instance), written to the commands
     * topic keyed by the item, and answered with what the owner's stream thread made of it.
     */
    private Response command(Authenticator.Caller caller, Command.Type type, String id, String label, String note)
            throws IOException {
        Optional<HostInfo> owner = stores.ownerOf(id);
        if (owner.isEmpty()) {
            throw new HttpError(503, "the queue is rebalancing; retry");
        }
        if (!owner.get().equals(stores.self())) {
            if (caller.viaPeer()) {
                throw new HttpError(503, "ownership of the item moved; retry");
            }
            String body = type == Command.Type.LABEL || type == Command.Type.RELABEL
                    ? JsonSerde.MAPPER.writeValueAsString(Map.of("label", label))
                    : type == Command.Type.ESCALATE ? JsonSerde.MAPPER.writeValueAsString(Map.of("note", note)) : "{}";
            return peers.call(
                    caller.user().name(),
                    owner.get(),
                    "POST",
                    "/api/items/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/"
                            + type.name().toLowerCase(),
                    body.getBytes(StandardCharsets.UTF_8),
                    PeerForwarder.Expect.JSON);
        }
        return apply(
                new Command(
                        type,
                        null,
                        id,
                        caller.user().name(),
                        label,
                        config.lease().toMillis(),
                        0,
                        note,
                        null),
                stores.partitionOf(id),
                id);
    }

    /** Writes a command to a partition of the commands topic this instance owns and waits for its outcome. */
    private Response apply(Command command, int partition, String key) throws IOException {
        String requestId = replies.newRequestId();
        CompletableFuture<Reply> reply = replies.await(requestId);
        Command c = command.withRequestId(requestId);
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
}
