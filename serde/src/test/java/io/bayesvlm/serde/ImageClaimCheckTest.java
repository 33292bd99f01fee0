package io.bayesvlm.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageClaimCheckTest {

    @Test
    void roundTripsThroughItsUriWithHostileIds() {
        byte[] image = "pretend this is a PNG".getBytes(StandardCharsets.UTF_8);
        ImageClaimCheck c =
                ImageClaimCheck.of("image-events.eu", 7, 123_456_789_012L, "id with spaces&sha256=00/?#", image);
        String uri = c.toUri();
        assertThat(uri).startsWith("kafka://image-events.eu/7/123456789012?event_id=");
        assertThat(ImageClaimCheck.parse(uri)).contains(c);
        assertThat(c.matches(image)).isTrue();
        assertThat(c.matches("another image".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void theHashIsSha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assertThat(ImageClaimCheck.sha256("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void anythingElseIsNoClaimCheck() {
        assertThat(ImageClaimCheck.parse(null)).isEmpty();
        assertThat(ImageClaimCheck.parse("e-17")).isEmpty(); // an older writer's bare event id
        assertThat(ImageClaimCheck.parse("kafka://t/1/2?event_id=x")).isEmpty();
        assertThat(ImageClaimCheck.parse("kafka://t/-1/2?event_id=x&sha256=" + "0".repeat(64)))
                .isEmpty();
        assertThat(ImageClaimCheck.parse("kafka://t/1/2?event_id=x&sha256=not-hex"))
                .isEmpty();
        assertThat(ImageClaimCheck.parse("kafka://t/1/2?event_id=x&sha256=" + "0".repeat(64)))
                .isPresent();
    }
}
