package io.bayesvlm.review.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Who is asking: a signed-in reviewer (session cookie), an API client (HTTP basic), or another instance vouching
 * for one of those (a signed peer request, {@link PeerSigning}). Sign-in and basic credentials go through the
 * {@link LoginThrottle}; sign-out revokes the session everywhere ({@link SessionRevoker}).
 */
public final class Authenticator {
    static final String COOKIE = "bvlm_session";

    /** The caller, and the peer request's signature when another instance forwarded the request (else null). */
    record Caller(Users.User user, String peerSignature) {
        boolean viaPeer() {
            return peerSignature != null;
        }
    }

    /** Spreads a revocation to every instance (the service: a compacted topic). */
    public interface SessionRevoker {
        void revoke(String tokenId, long expiry);
    }

    private final Users users;
    private final Sessions sessions;
    private final PeerSigning peers;
    private final LoginThrottle throttle;
    private final SessionRevoker revoker;
    private final boolean secureCookies;
    private final LongSupplier clock;
    /** Basic-auth credentials already checked (PBKDF2 is slow on purpose): SHA-256 of the header to user and expiry. */
    private final Map<String, Map.Entry<String, Long>> basicCache = new ConcurrentHashMap<>();

    Authenticator(
            Users users,
            Sessions sessions,
            PeerSigning peers,
            LoginThrottle throttle,
            SessionRevoker revoker,
            boolean secureCookies,
            LongSupplier clock) {
        this.users = users;
        this.sessions = sessions;
        this.peers = peers;
        this.throttle = throttle;
        this.revoker = revoker;
        this.secureCookies = secureCookies;
        this.clock = clock;
    }

    Response login(HttpExchange ex, byte[] body) {
        Requests.requireJson(ex);
        JsonNode json = Requests.json(body);
        String name = json.path("username").asText("");
        char[] password = json.path("password").asText("").toCharArray();
        Users.User user = checkPassword(address(ex), name, password)
                .orElseThrow(() -> new HttpError(401, "wrong user name or password"));
        String token = sessions.issue(user.name(), clock.getAsLong());
        return Response.json(
                        200,
                        Map.of("user", user.name(), "role", user.role().name().toLowerCase()))
                .with("Set-Cookie", cookie(token, sessions.ttl().toSeconds()));
    }

    /** Ends the session: the cookie is cleared and its token revoked on every instance until it would expire. */
    Response logout(HttpExchange ex) {
        sessionToken(ex).flatMap(sessions::parse).ifPresent(t -> {
            sessions.revoke(t.id(), t.expiry(), clock.getAsLong());
            revoker.revoke(t.id(), t.expiry());
        });
        return Response.json(200, Map.of("signedOut", true)).with("Set-Cookie", cookie("", 0));
    }

    private String cookie(String value, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (secureCookies ? "; Secure" : "");
    }

    /** The caller; 401 when there is none. {@code body}: the request's body, which a peer's signature covers. */
    Caller authenticate(HttpExchange ex, byte[] body) {
        var h = ex.getRequestHeaders();
        if (h.containsKey(PeerSigning.SIGNATURE)) {
            String signature = h.getFirst(PeerSigning.SIGNATURE);
            return peers.verifyRequest(
                            ex.getRequestMethod(),
                            Requests.pathAndQuery(ex),
                            h.getFirst(PeerSigning.USER),
                            h.getFirst(PeerSigning.TIME),
                            signature,
                            body,
                            clock.getAsLong())
                    .flatMap(users::byName)
                    .map(u -> new Caller(u, signature))
                    .orElseThrow(() -> new HttpError(401, "not a verified peer request"));
        }
        Optional<String> token = sessionToken(ex);
        if (token.isPresent()) {
            Optional<Users.User> u =
                    sessions.verify(token.get(), clock.getAsLong()).flatMap(users::byName);
            if (u.isPresent()) {
                return new Caller(u.get(), null);
            }
        }
        String auth = h.getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            Optional<Users.User> u = basic(ex, auth);
            if (u.isPresent()) {
                return new Caller(u.get(), null);
            }
        }
        throw new HttpError(401, "sign in first");
    }

    private static Optional<String> sessionToken(HttpExchange ex) {
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String c : cookies.split(";")) {
                String t = c.strip();
                if (t.startsWith(COOKIE + "=") && t.length() > COOKIE.length() + 1) {
                    return Optional.of(t.substring(COOKIE.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<Users.User> basic(HttpExchange ex, String header) {
        String digest = PeerSigning.sha256(header.getBytes(StandardCharsets.UTF_8));
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
        Optional<Users.User> u = checkPassword(
                address(ex),
                decoded.substring(0, colon),
                decoded.substring(colon + 1).toCharArray());
        u.ifPresent(user -> basicCache.put(digest, Map.entry(user.name(), now + 60_000)));
        return u;
    }

    /** A password check, throttled per address and name (429 while locked out, the right password included). */
    private Optional<Users.User> checkPassword(String address, String name, char[] password) {
        throttle.check(address, name);
        Optional<Users.User> u = throttle.checkPassword(() -> users.authenticate(name, password));
        if (u.isPresent()) {
            throttle.succeeded(address, name);
        } else {
            throttle.failed(address, name);
        }
        return u;
    }

    private static String address(HttpExchange ex) {
        return ex.getRemoteAddress() == null || ex.getRemoteAddress().getAddress() == null
                ? "unknown"
                : ex.getRemoteAddress().getAddress().getHostAddress();
    }

    static Users.User requireReviewer(Users.User user) {
        if (user.role() != Users.Role.REVIEWER) {
            throw new HttpError(403, user.name() + " may view the dashboard but not review");
        }
        return user;
    }

    /** Instance-to-instance endpoints answer verified peers only. */
    static void requirePeer(Caller caller) {
        if (!caller.viaPeer()) {
            throw new HttpError(403, "only other instances of this service may call /api/local");
        }
    }
}
