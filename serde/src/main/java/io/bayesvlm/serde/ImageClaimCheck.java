package io.bayesvlm.serde;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A claim check for an image too large to travel inline in a review request: the coordinates of the image event it
 * came in (topic, partition, offset), its event id and the SHA-256 of the image bytes, written as
 * {@code kafka://TOPIC/PARTITION/OFFSET?event_id=ID&sha256=HEX}. The job writes it, the review service reads the
 * event from there and serves the image only if id and hash match.
 */
public record ImageClaimCheck(String topic, int partition, long offset, String eventId, String sha256) {

    private static final Pattern FORM = Pattern.compile("kafka://([^/?]+)/(\\d{1,9})/(\\d{1,19})\\?(.*)");

    public ImageClaimCheck {
        if (topic.isEmpty() || partition < 0 || offset < 0 || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "not a claim check: " + topic + "/" + partition + "/" + offset + " " + sha256);
        }
    }

    /** The claim check for {@code image}, read from the event at these coordinates. */
    public static ImageClaimCheck of(String topic, int partition, long offset, String eventId, byte[] image) {
        return new ImageClaimCheck(topic, partition, offset, eventId, sha256(image));
    }

    public String toUri() {
        return "kafka://" + encode(topic) + "/" + partition + "/" + offset + "?event_id=" + encode(eventId) + "&sha256="
                + sha256;
    }

    /** The claim check in {@code ref}, or empty when it is none (an older writer's bare event id). */
    public static Optional<ImageClaimCheck> parse(String ref) {
        if (ref == null) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(ref);
        if (!m.matches()) {
            return Optional.empty();
        }
        Map<String, String> query = new LinkedHashMap<>();
        for (String part : m.group(4).split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                query.put(part.substring(0, eq), URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (!query.containsKey("event_id") || !query.containsKey("sha256")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ImageClaimCheck(
                    URLDecoder.decode(m.group(1), StandardCharsets.UTF_8),
                    Integer.parseInt(m.group(2)),
                    Long.parseLong(m.group(3)),
                    query.get("event_id"),
                    query.get("sha256")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code image} is the one this claim check was written for. */
    public boolean matches(byte[] image) {
        return MessageDigest.isEqual(
                sha256.getBytes(StandardCharsets.US_ASCII), sha256(image).getBytes(StandardCharsets.US_ASCII));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
