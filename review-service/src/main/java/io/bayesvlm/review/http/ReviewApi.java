package io.bayesvlm.review.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.bayesvlm.review.ReviewConfig;
import io.bayesvlm.review.ReviewStores;
import io.bayesvlm.review.queue.Replies;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API over the service's stores (docs/review-api.md) and the web UI's files: routes each request to
 * {@link Authenticator} (who is asking), {@link QueueEndpoints}, {@link CalibrationEndpoints} or the static files.
 * Questions about one item go to the instance that owns it, questions about the whole queue or the calibration
 * history ask every instance ({@link PeerForwarder}, signed both ways); changes are commands applied by the owner's
 * stream thread.
 */
public final class ReviewApi implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ReviewApi.class);

    private final ReviewStores stores;
    private final Authenticator auth;
    private final PeerSigning peerSigning;
    private final QueueEndpoints queue;
    private final CalibrationEndpoints calibration;

    public ReviewApi(
            ReviewConfig config,
            ReviewStores stores,
            Replies replies,
            Producer<String, byte[]> commands,
            Users users,
            Sessions sessions,
            Authenticator.SessionRevoker revoker,
            LongSupplier clock) {
        this.stores = stores;
        this.peerSigning = new PeerSigning(sessions.derivedKey("bayesvlm review peer requests"));
        this.auth = new Authenticator(
                users, sessions, peerSigning, new LoginThrottle(clock), revoker, config.cookiesSecure(), clock);
        PeerForwarder peers = new PeerForwarder(
                peerSigning, config.tls() == null ? null : config.tls().context(), clock);
        this.queue = new QueueEndpoints(config, stores, replies, commands, peers, clock);
        this.calibration = new CalibrationEndpoints(stores, peers, config.alertEce(), config.minLabels());
    }

    /** Closes the claim-check reader. */
    public void close() {
        queue.close();
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        Response r;
        String peerSignature = null;
        try {
            byte[] body = ex.getRequestMethod().equals("POST") ? Requests.body(ex) : new byte[0];
            Routed routed = route(ex, body);
            r = routed.response();
            peerSignature = routed.peerSignature();
        } catch (LoginThrottle.Locked e) {
            r = Response.error(e.status, e.getMessage()).with("Retry-After", Long.toString(e.retryAfterSeconds));
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
        if (peerSignature != null) {
            // the answer to a verified peer is signed, so that the asking instance can tell it from an impostor's
            r = r.with(
                    PeerSigning.ANSWER, peerSigning.signAnswer(peerSignature, r.status(), r.contentType(), r.body()));
        }
        r.send(ex);
    }

    /** A response, and the signature of the peer request it answers (null for a user's request). */
    private record Routed(Response response, String peerSignature) {}

    private Routed route(HttpExchange ex, byte[] body) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        if (!path.startsWith("/api/")) {
            return new Routed(StaticFiles.serve(method, path), null);
        }
        if (path.equals("/api/health")) {
            return new Routed(health(), null);
        }
        if (path.equals("/api/login") && method.equals("POST")) {
            return new Routed(auth.login(ex, body), null);
        }
        if (path.equals("/api/logout") && method.equals("POST")) {
            return new Routed(auth.logout(ex), null);
        }
        Authenticator.Caller caller = auth.authenticate(ex, body);
        if (method.equals("POST")) {
            Requests.requireJson(ex);
        }
        return new Routed(endpoint(ex, caller, method, path, body), caller.peerSignature());
    }

    private Response endpoint(HttpExchange ex, Authenticator.Caller caller, String method, String path, byte[] body)
            throws IOException {
        List<String> seg = Requests.segments(path);
        String what = seg.size() > 2 ? seg.get(2) : "";
        switch (method + " " + String.join("/", seg.subList(0, Math.min(seg.size(), 2)))) {
            case "GET api/me":
                if (what.equals("figures") && seg.size() == 3) {
                    return Response.json(200, queue.figures(caller));
                }
                return Response.json(
                        200,
                        Map.of(
                                "user",
                                caller.user().name(),
                                "role",
                                caller.user().role().name().toLowerCase()));
            case "GET api/queue":
                if (what.equals("escalated") && seg.size() == 3) {
                    return Response.json(200, queue.escalated(caller));
                }
                return Response.json(200, queue.counts(caller));
            case "GET api/calibration":
                return calibration.calibration(ex, caller, seg);
            case "GET api/local":
                Authenticator.requirePeer(caller);
                return switch (what) {
                    case "counts" -> Response.json(200, queue.localCounts());
                    case "calibration" ->
                        Response.json(200, calibration.localHistory(Requests.intParam(ex, "limit", 200, 1, 10_000)));
                    case "candidates" -> Response.json(200, queue.localCandidates(caller.user()));
                    case "escalated" -> Response.json(200, queue.localEscalated());
                    case "figures" -> Response.json(200, queue.localFigures(caller));
                    default -> throw new HttpError(404, "no such API");
                };
            case "POST api/local":
                if (what.equals("claim-next") && seg.size() == 3) {
                    return queue.localClaimNext(ex, caller, body);
                }
                break;
            case "POST api/queue":
                if (what.equals("next") && seg.size() == 3) {
                    return queue.next(caller, body);
                }
                break;
            case "GET api/items":
            case "POST api/items":
                if (seg.size() >= 3) {
                    return queue.item(ex, caller, seg, body);
                }
                break;
            default:
        }
        throw new HttpError(404, "no such API: " + method + " " + path);
    }

    private Response health() {
        String state = stores.state();
        boolean ok = state.equals("RUNNING");
        return Response.json(
                ok ? 200 : 503, Map.of("state", state, "instance", PeerForwarder.hostString(stores.self())));
    }

    /** The image type of some bytes, as served (tests). */
    static String sniff(byte[] b) {
        return ImageTypes.sniff(b);
    }
}
