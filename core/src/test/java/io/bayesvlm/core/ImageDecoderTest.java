package io.bayesvlm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.CRC32;
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
        assertRejected(pngHeader(60_000, 60_000), ErrorCode.TOO_MANY_PIXELS, "60000x60000");
        // Within the pixel budget but absurdly long on one side.
        assertRejected(pngHeader(100_000, 2), ErrorCode.TOO_MANY_PIXELS, "per side");
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

    /** A PNG signature, an IHDR chunk declaring width × height (8-bit RGB) and a tiny IDAT + IEND. */
    static byte[] pngHeader(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
