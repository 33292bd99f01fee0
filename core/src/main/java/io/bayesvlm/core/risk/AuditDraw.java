package io.bayesvlm.core.risk;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The audit lottery: an item is audited when HMAC-SHA256(key, event id), read as a number in [0, 1), is below the
 * audit fraction. Deterministic for a key (a replay audits the same items, so the recorded propensity stays exact),
 * and without the key no producer can choose event ids that are never audited: to anyone who does not know the
 * key, the draws of distinct ids are independent and uniform (HMAC is a pseudo-random function). The key never
 * leaves this object ({@link #toString} hides it).
 */
public final class AuditDraw implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String ALGORITHM = "HmacSHA256";
    /** Shortest accepted key: 128 bits. */
    public static final int MIN_KEY_BYTES = 16;

    private final byte[] key;
    private transient Mac mac;

    private AuditDraw(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(
                    "the audit key needs at least " + MIN_KEY_BYTES + " bytes, got " + key.length);
        }
        this.key = key.clone();
    }

    /** A key from a configured secret (its UTF-8 bytes, at least {@value #MIN_KEY_BYTES}). */
    public static AuditDraw ofSecret(String secret) {
        return new AuditDraw(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh random 256-bit key. */
    public static AuditDraw random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new AuditDraw(key);
    }

    /** The event id's draw in [0, 1): the first 53 bits of its HMAC. Not thread-safe (one per operator instance). */
    public double draw(String eventId) {
        if (mac == null) {
            try {
                mac = Mac.getInstance(ALGORITHM);
                mac.init(new SecretKeySpec(key, ALGORITHM));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(ALGORITHM + " is part of every Java runtime", e);
            }
        }
        byte[] h = mac.doFinal(eventId.getBytes(StandardCharsets.UTF_8));
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (h[i] & 0xff);
        }
        return (bits >>> 11) * 0x1.0p-53;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditDraw other && MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        return 0; // equal keys must hash alike; nothing about the key may leak through the hash either
    }

    @Override
    public String toString() {
        return "AuditDraw[key hidden]";
    }
}
