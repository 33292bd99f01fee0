package io.bayesvlm.review.http;

import java.time.Duration;
import java.util.Map;

/** Signs a request as an instance of the service would ({@link PeerSigning}), for tests that act as a peer. */
public final class PeerRequests {
    private PeerRequests() {}

    /** The peer headers for a request vouching for {@code user}, signed with the key derived from the secret. */
    public static Map<String, String> headers(
            String sessionSecret, String method, String pathAndQuery, String user, byte[] body) {
        PeerSigning signing = new PeerSigning(
                new Sessions(sessionSecret, Duration.ofHours(1)).derivedKey("bayesvlm review peer requests"));
        long now = System.currentTimeMillis();
        return Map.of(
                PeerSigning.USER,
                user,
                PeerSigning.TIME,
                Long.toString(now),
                PeerSigning.SIGNATURE,
                signing.signRequest(method, pathAndQuery, user, now, body));
    }
}
