package io.bayesvlm.review.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How instances vouch for each other. A forwarded request carries the caller's <em>identity</em> (the user name the
 * sending instance authenticated), never their password or cookie, signed with a key every instance derives from
 * the shared session secret: HMAC-SHA256 over the method, path and query, user, time and the body's SHA-256. The
 * receiver accepts it within {@value #MAX_SKEW_MILLIS} ms of its clock, once. Its answer is signed the same way
 * over the request's signature, status, content type and body, so a listener that advertises itself as an instance
 * without the key gets no credential, and what it answers is refused.
 */
final class PeerSigning {
    static final String USER = "X-Bayesvlm-Peer-User";
    static final String TIME = "X-Bayesvlm-Peer-Time";
    static final String SIGNATURE = "X-Bayesvlm-Peer-Signature";
    static final String ANSWER = "X-Bayesvlm-Peer-Answer";
    static final long MAX_SKEW_MILLIS = 30_000;

    private final byte[] key;
    /** Signatures already accepted, until they could no longer be accepted anyway: a captured request is used once. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    PeerSigning(byte[] key) {
        this.key = key.clone();
    }

    String signRequest(String method, String pathAndQuery, String user, long time, byte[] body) {
        return Sessions.sign(
                key, "request\n" + method + "\n" + pathAndQuery + "\n" + user + "\n" + time + "\n" + sha256(body));
    }

    /** The user a peer vouches for, if the signature is valid, fresh and not seen before. */
    Optional<String> verifyRequest(
            String method, String pathAndQuery, String user, String time, String signature, byte[] body, long now) {
        if (user == null || time == null || signature == null) {
            return Optional.empty();
        }
        long t;
        try {
            t = Long.parseLong(time);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (Math.abs(now - t) > MAX_SKEW_MILLIS) {
            return Optional.empty();
        }
        String expected = signRequest(method, pathAndQuery, user, t, body);
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        seen.values().removeIf(expiry -> expiry < now);
        if (seen.putIfAbsent(signature, t + MAX_SKEW_MILLIS) != null) {
            return Optional.empty(); // a replay
        }
        return Optional.of(user);
    }

    String signAnswer(String requestSignature, int status, String contentType, byte[] body) {
        return Sessions.sign(
                key, "answer\n" + requestSignature + "\n" + status + "\n" + contentType + "\n" + sha256(body));
    }

    boolean verifyAnswer(String requestSignature, int status, String contentType, byte[] body, String signature) {
        return signature != null
                && MessageDigest.isEqual(
                        signAnswer(requestSignature, status, contentType, body).getBytes(StandardCharsets.US_ASCII),
                        signature.getBytes(StandardCharsets.US_ASCII));
    }

    static String sha256(byte[] body) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(body == null ? new byte[0] : body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
