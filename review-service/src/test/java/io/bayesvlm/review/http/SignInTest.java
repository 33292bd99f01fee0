package io.bayesvlm.review.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Password hashes, session tokens and what the image endpoint serves as which type. */
class SignInTest {
    @Test
    void aPasswordMatchesItsHashOnlyAndEveryHashIsSalted() {
        String h = Passwords.hash("correct horse".toCharArray());
        assertThat(h).startsWith("pbkdf2-sha256$210000$");
        assertThat(Passwords.matches("correct horse".toCharArray(), h)).isTrue();
        assertThat(Passwords.matches("correct horsE".toCharArray(), h)).isFalse();
        assertThat(Passwords.hash("correct horse".toCharArray())).isNotEqualTo(h);
        assertThat(Passwords.matches("x".toCharArray(), "plain-text")).isFalse();
    }

    @Test
    void aSessionIsValidUntilItExpiresAndOnlyWithTheSameSecret() {
        Sessions s = new Sessions("secret", Duration.ofMinutes(10));
        String token = s.issue("alice.o'neil", 1_000);
        assertThat(s.verify(token, 1_000 + 599_999)).hasValue("alice.o'neil");
        assertThat(s.verify(token, 1_000 + 600_000)).as("expired").isEmpty();
        assertThat(new Sessions("secret", Duration.ofMinutes(10)).verify(token, 2_000))
                .as("another instance")
                .hasValue("alice.o'neil");
        assertThat(new Sessions("other", Duration.ofMinutes(10)).verify(token, 2_000))
                .isEmpty();
        // tampering with the name or the expiry breaks the signature
        assertThat(s.verify(token.replace("alice", "admin"), 2_000)).isEmpty();
        String[] p = token.split("\\.");
        String longer = token.replace("." + p[p.length - 3] + ".", "." + (Long.parseLong(p[p.length - 3]) + 1) + ".");
        assertThat(s.verify(longer, 2_000)).isEmpty();
        assertThat(s.verify("garbage", 2_000)).isEmpty();
        assertThat(new Sessions("", Duration.ofMinutes(1)).verify(token, 2_000))
                .as("random key per process")
                .isEmpty();
    }

    @Test
    void onlyRealImageTypesAreServedAsImages() {
        assertThat(ReviewApi.sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0}))
                .isEqualTo("image/png");
        assertThat(ReviewApi.sniff(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0}))
                .isEqualTo("image/jpeg");
        assertThat(ReviewApi.sniff("RIFF....WEBPVP8 ".getBytes())).isEqualTo("image/webp");
        assertThat(ReviewApi.sniff("GIF89a..".getBytes())).isEqualTo("image/gif");
        assertThat(ReviewApi.sniff("<svg onload=alert(1)>".getBytes())).isEqualTo("application/octet-stream");
        assertThat(ReviewApi.sniff("<html><script>".getBytes())).isEqualTo("application/octet-stream");
    }
}
