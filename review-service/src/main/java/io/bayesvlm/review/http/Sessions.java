package io.bayesvlm.review.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed session tokens for the cookie set at sign-in: {@code name.expiry.signature}, HMAC-SHA256 under the
 * configured secret. Stateless, so every instance with the same secret accepts them (a request forwarded to the
 * owner of an item carries the caller's cookie). The role is looked up in the users file on each request.
 */
public final class Sessions {
    private final byte[] key;
    private final Duration ttl;

    public Sessions(String secret, Duration ttl) {
        if (secret == null || secret.isEmpty()) {
            this.key = new byte[32];
            new SecureRandom().nextBytes(this.key);
        } else {
            this.key = secret.getBytes(StandardCharsets.UTF_8);
        }
        this.ttl = ttl;
    }

    public Duration ttl() {
        return ttl;
    }

    public String issue(String user, long now) {
        String payload = user + "." + (now + ttl.toMillis());
        return payload + "." + sign(payload);
    }

    /** The user name in a valid, unexpired token. */
    public Optional<String> verify(String token, long now) {
        int last = token.lastIndexOf('.');
        int mid = last < 0 ? -1 : token.lastIndexOf('.', last - 1);
        if (mid <= 0) {
            return Optional.empty();
        }
        String payload = token.substring(0, last);
        byte[] given = token.substring(last + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, sign(payload).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        long expiry;
        try {
            expiry = Long.parseLong(token.substring(mid + 1, last));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return expiry > now ? Optional.of(token.substring(0, mid)) : Optional.empty();
    }

    private String sign(String payload) {
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
