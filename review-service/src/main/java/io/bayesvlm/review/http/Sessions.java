package io.bayesvlm.review.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed session tokens for the cookie set at sign-in: {@code name.expiry.id.signature}, HMAC-SHA256 under the
 * configured secret, so every instance with the same secret accepts them. Signing out revokes the token's id until
 * its expiry ({@link #revoke}); the service spreads revocations to every instance through a compacted topic
 * ({@code SessionRevocations}). The role is looked up in the users file on each request.
 */
public final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;
    private final Duration ttl;
    /** Revoked token ids and when they would have expired anyway. */
    private final Map<String, Long> revoked = new ConcurrentHashMap<>();

    public Sessions(String secret, Duration ttl) {
        if (secret == null || secret.isEmpty()) {
            this.key = new byte[32];
            RANDOM.nextBytes(this.key);
        } else {
            this.key = secret.getBytes(StandardCharsets.UTF_8);
        }
        this.ttl = ttl;
    }

    public Duration ttl() {
        return ttl;
    }

    public String issue(String user, long now) {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        String payload = user + "." + (now + ttl.toMillis()) + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        return payload + "." + sign(key, payload);
    }

    /** A valid token's parts. */
    public record Token(String user, long expiry, String id) {}

    /** The parts of a validly signed token, expired or revoked or not. */
    public Optional<Token> parse(String token) {
        int last = token.lastIndexOf('.');
        int idAt = last < 0 ? -1 : token.lastIndexOf('.', last - 1);
        int expiryAt = idAt <= 0 ? -1 : token.lastIndexOf('.', idAt - 1);
        if (expiryAt <= 0) {
            return Optional.empty();
        }
        String payload = token.substring(0, last);
        byte[] given = token.substring(last + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, sign(key, payload).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Token(
                    token.substring(0, expiryAt),
                    Long.parseLong(token.substring(expiryAt + 1, idAt)),
                    token.substring(idAt + 1, last)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The user name in a valid, unexpired, unrevoked token. */
    public Optional<String> verify(String token, long now) {
        return parse(token)
                .filter(t -> t.expiry() > now && !revoked.containsKey(t.id()))
                .map(Token::user);
    }

    /** Revokes a token id until {@code expiry}; expired revocations are forgotten. */
    public void revoke(String id, long expiry, long now) {
        if (expiry > now) {
            revoked.put(id, expiry);
        }
        revoked.values().removeIf(e -> e <= now);
    }

    /** A key for another purpose derived from the session secret (instances that share one share the other). */
    public byte[] derivedKey(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(byte[] key, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
