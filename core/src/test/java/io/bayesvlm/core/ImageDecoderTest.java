package io.bayesvlm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS);

    @ParameterizedTest
    @ValueSource(strings = {"rgb0.png", "rgb0.bmp", "rgb0.gif", "rgb0.webp", "rgb0.jpg", "cmyk.jpg", "grey.png", "rgba.png"})
    void decodesEverySupportedFormat(String name) throws Exception {
        BufferedImage image = decoder.decode(Files.readAllBytes(Fixture.image(name)));
        assertThat(image.getWidth()).isEqualTo(16);
        assertThat(image.getHeight()).isEqualTo(16);
    }

    @Test
    void emptyInput() {
        assertRejected(new byte[0], ErrorCode.EMPTY_INPUT, "0 bytes");
    }

    @Test
    void notAnImage() {
        assertRejected("%PDF-1.4 hello".getBytes(StandardCharsets.US_ASCII), ErrorCode.UNSUPPORTED_FORMAT,
                "not a PNG, JPEG, GIF, BMP or WebP");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb0.png", "rgb0.bmp", "rgb0.gif", "rgb0.webp", "rgb0.jpg"})
    void truncatedFilesAreCorrupt(String name) throws IOException {
        byte[] bytes = Files.readAllBytes(Fixture.image(name));
        assertRejected(Arrays.copyOf(bytes, bytes.length / 2), ErrorCode.CORRUPT_IMAGE, "does not decode|damaged");
    }

    @Test
    void garbageAfterAValidSignatureIsCorrupt() {
        byte[] bytes = new byte[200];
        new java.util.Random(1).nextBytes(bytes);
        bytes[0] = (byte) 0x89;
        System.arraycopy("PNG\r\n\u001a\n".getBytes(StandardCharsets.ISO_8859_1), 0, bytes, 1, 7);
        assertRejected(bytes, ErrorCode.CORRUPT_IMAGE, "PNG");
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() {
        // A 60000 x 60000 PNG header: 3.6 gigapixels, refused before any pixel is inflated.
        assertRejected(TestImages.pngHeader(60_000, 60_000), ErrorCode.TOO_MANY_PIXELS, "60000x60000");
        // Within the pixel budget but absurdly long on one side.
        assertRejected(TestImages.pngHeader(100_000, 2), ErrorCode.TOO_MANY_PIXELS, "per side");
    }

    @Test
    void byteLimitIsEnforced() throws IOException {
        byte[] bytes = Files.readAllBytes(Fixture.image("rgb0.png"));
        ImageDecoder small = new ImageDecoder(new ImageLimits(100, 1000, 100));
        assertThatThrownBy(() -> small.decode(bytes))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_BYTES))
                .hasMessageContaining("limit is 100");
    }

    private void assertRejected(byte[] bytes, ErrorCode code, String messageRegex) {
        assertThatThrownBy(() -> decoder.decode(bytes))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).containsPattern(messageRegex);
                });
    }
}
