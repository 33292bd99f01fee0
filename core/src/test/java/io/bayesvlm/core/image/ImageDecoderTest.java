package io.bayesvlm.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.TestImages;
import io.bayesvlm.core.model.ModelSpec;
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
    @ValueSource(
            strings = {"rgb0.png", "rgb0.bmp", "rgb0.gif", "rgb0.webp", "rgb0.jpg", "cmyk.jpg", "grey.png", "rgba.png"})
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
        assertRejected(
                "%PDF-1.4 hello".getBytes(StandardCharsets.US_ASCII),
                ErrorCode.UNSUPPORTED_FORMAT,
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
    void pngPixelDataIsReadFromTheHeader() throws IOException {
        // a filter byte per row, then the packed samples
        assertThat(ImageDecoder.pngDataBytes(TestImages.blackPng(100, 10, 16, 2), 100, 10))
                .isEqualTo(10 * (1 + 600));
        assertThat(ImageDecoder.pngDataBytes(TestImages.blackPng(100, 10, 8, 6), 100, 10))
                .isEqualTo(10 * (1 + 400));
        assertThat(ImageDecoder.pngDataBytes(TestImages.blackPng(100, 10, 1, 0), 100, 10))
                .isEqualTo(10 * (1 + 13));
    }

    /**
     * Within the pixel limit, a PNG that declares a hundred times more pixel data than its size (above 16 MiB of it)
     * is refused from its header; a small blank one, an honest large one and the same bomb under a lifted limit
     * decode.
     */
    @Test
    void aPngDeclaringFarMorePixelDataThanItsSizeIsABomb() throws Exception {
        byte[] bomb = TestImages.blackPng(6000, 6000, 8, 0); // 36 MB of grey samples
        assertThat(bomb.length).isLessThan(360_000);
        assertRejected(bomb, ErrorCode.DECOMPRESSION_BOMB, "6000x6000, 36006000 bytes of pixel data from \\d+ encoded");
        // below the floor, a blank image is no threat whatever its ratio
        assertThat(decoder.decode(TestImages.blackPng(2000, 2000, 8, 2), 224, 224)
                        .getWidth())
                .isPositive();
        // above the floor, an honest one: faint noise compresses about as well as a photo
        BufferedImage noise = new BufferedImage(2400, 2400, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int y = 0; y < 2400; y++) {
            for (int x = 0; x < 2400; x++) {
                noise.setRGB(x, y, rng.nextInt(16) << 16 | rng.nextInt(16) << 8 | rng.nextInt(16));
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(noise, "png", out);
        assertThat(ImageDecoder.pngDataBytes(out.toByteArray(), 2400, 2400)).isGreaterThan(ImageLimits.EXPANSION_FLOOR);
        assertThat(decoder.decode(out.toByteArray(), 224, 224).getWidth()).isPositive();
        // an operator may lift the limit
        ImageDecoder lifted = new ImageDecoder(new ImageLimits(16L << 20, 40_000_000L, 16_384, 1e9));
        assertThat(lifted.decode(bomb, 224, 224).getWidth()).isPositive();
        assertThatThrownBy(() -> new ImageLimits(1, 1, 1, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max-expansion");
    }

    @Test
    void byteLimitIsEnforced() throws IOException {
        byte[] bytes = Files.readAllBytes(Fixture.image("rgb0.png"));
        ImageDecoder small = new ImageDecoder(new ImageLimits(100, 1000, 100));
        assertThatThrownBy(() -> small.decode(bytes))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_BYTES))
                .hasMessageContaining("limit is 100");
    }

    private void assertRejected(byte[] bytes, ErrorCode code, String messageRegex) {
        assertThatThrownBy(() -> decoder.decode(bytes)).isInstanceOfSatisfying(ImageRejectedException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).containsPattern(messageRegex);
        });
    }

    @Test
    void largeImagesAreSubsampledToAtLeastFourTimesTheTarget() {
        assertThat(ImageDecoder.subsampling(6000, 6000, 224, 224)).isEqualTo(6); // 1000 x 1000 left
        assertThat(ImageDecoder.subsampling(6000, 4000, 224, 224)).isEqualTo(4); // the shorter side decides
        assertThat(ImageDecoder.subsampling(896, 896, 224, 224)).isEqualTo(1);
        assertThat(ImageDecoder.subsampling(1000, 1000, 224, 224)).isEqualTo(1); // up to 4x: decoded as before
        assertThat(ImageDecoder.subsampling(6000, 6000, 28, 28)).isEqualTo(53);
        assertThat(ImageDecoder.subsampling(100, 100, Integer.MAX_VALUE, Integer.MAX_VALUE))
                .isEqualTo(1);
    }

    /**
     * A 6000 x 6000 16-bit RGB PNG (216 MB of samples, 864 MB as float planes) decodes for a 224 x 224 model within
     * a bounded buffer: what this thread allocates is counted, not timed.
     */
    @Test
    void aHugeSixteenBitPhotoDecodesWithinABoundedBuffer() throws Exception {
        byte[] png = TestImages.blackPng(6000, 6000, 16, 2);
        ImageLoader loader = new ImageLoader(
                new ModelSpec.ImageSpec(224, 224, 3, new float[] {0, 0, 0}, new float[] {1, 1, 1}),
                // an operator who lifts the expansion limit (this file is a bomb by it) still gets bounded memory
                new ImageLimits(16L << 20, 40_000_000L, 16_384, 1e9));
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        byte[] pixels = loader.loadPixels(png);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(pixels).hasSize(3 * 224 * 224);
        assertThat(pixels).containsOnly((byte) 0);
        System.out.printf(
                "6000x6000 16-bit RGB PNG (%d bytes) for 224x224: %.1f MB allocated%n", png.length, allocated / 1e6);
        // A full decode alone is 216 MB; the subsampled one is a 1000 x 1000 buffer plus its planes.
        assertThat(allocated).isLessThan(64L << 20);
    }
}
