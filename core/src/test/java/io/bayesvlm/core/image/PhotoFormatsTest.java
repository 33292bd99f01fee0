package io.bayesvlm.core.image;

import static io.bayesvlm.core.image.PhotoFixtures.BLUE;
import static io.bayesvlm.core.image.PhotoFixtures.GREEN;
import static io.bayesvlm.core.image.PhotoFixtures.RED;
import static io.bayesvlm.core.image.PhotoFixtures.WHITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.common.ErrorCode;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.TestImages;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The photo formats on both decoding paths: libjpeg-turbo ({@code native}, where it loads: .ci/run installs it) and
 * the pure-Java fallback. EXIF orientation (all 8 values, at full and at reduced scale), CMYK, grey JPEG, 16-bit
 * and palette PNG, the first frame of an animated GIF; hostile files refused cheaply (CPU time, not wall time).
 */
class PhotoFormatsTest {

    static ImageDecoder decoder(boolean nativeJpeg) {
        if (nativeJpeg) {
            Assumptions.assumeTrue(
                    ImageDecoder.nativeJpegAvailable(),
                    "native path not testable here: " + ImageDecoder.nativeJpegUnavailableReason());
        }
        ImageDecoder d = new ImageDecoder(ImageLimits.DEFAULTS, nativeJpeg);
        assertThat(d.usesNativeJpeg()).isEqualTo(nativeJpeg);
        return d;
    }

    /** Whether two colours are within {@code tolerance} on every channel. */
    static boolean close(int a, int b, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) > tolerance) {
                return false;
            }
        }
        return true;
    }

    static void assertQuadrants(BufferedImage image, String what) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[][] probes = {
            {w / 4, h / 4, RED}, {3 * w / 4, h / 4, GREEN}, {w / 4, 3 * h / 4, BLUE}, {3 * w / 4, 3 * h / 4, WHITE}
        };
        for (int[] p : probes) {
            int rgb = image.getRGB(p[0], p[1]) & 0xFFFFFF;
            assertThat(close(rgb, p[2], 40))
                    .as("%s at (%d, %d): %06x, expected %06x", what, p[0], p[1], rgb, p[2])
                    .isTrue();
        }
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void everyExifOrientationComesOutUpright(boolean nativeJpeg) throws Exception {
        ImageDecoder d = decoder(nativeJpeg);
        int w = 320;
        int h = 192;
        for (int o = 1; o <= 8; o++) {
            byte[] jpeg = PhotoFixtures.withOrientation(PhotoFixtures.jpeg(PhotoFixtures.stored(w, h, o)), o);
            BufferedImage full = d.decode(jpeg);
            assertThat(full.getWidth()).as("orientation %d width", o).isEqualTo(w);
            assertThat(full.getHeight()).as("orientation %d height", o).isEqualTo(h);
            assertQuadrants(full, "orientation " + o);
            // for a 24-pixel target the native path decodes at a reduced scale (1/4: 48 px on the short side), upright
            BufferedImage reduced = d.decode(jpeg, 24, 24);
            assertThat(reduced.getWidth()).as("orientation %d reduced", o).isGreaterThan(reduced.getHeight());
            assertQuadrants(reduced, "orientation " + o + " reduced");
            if (nativeJpeg) {
                assertThat(ImageDecoder.jpegEighths(ImageDecoder.JPEG_OVERSAMPLE, w, h, 24, 24))
                        .isEqualTo(2);
                assertThat(reduced.getWidth()).isEqualTo(w / 4);
            }
        }
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void aCmykJpegDecodesToTheColoursItWasMadeFrom(boolean nativeJpeg) throws Exception {
        // cmyk.jpg is Pillow's CMYK conversion of rgb0.png (fixture/make_fixture.py), saved with an Adobe marker
        ImageDecoder d = decoder(nativeJpeg);
        BufferedImage cmyk = d.decode(Files.readAllBytes(Fixture.image("cmyk.jpg")));
        BufferedImage rgb = d.decode(Files.readAllBytes(Fixture.image("rgb0.png")));
        double total = 0;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int a = cmyk.getRGB(x, y);
                int b = rgb.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    total += Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF));
                }
            }
        }
        double meanError = total / (16 * 16 * 3);
        System.out.printf(
                "CMYK JPEG (native %s): mean |error| %.1f levels against its RGB source%n", nativeJpeg, meanError);
        assertThat(meanError).isLessThan(nativeJpeg ? 8 : 40);
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void aGreyJpegStaysGrey(boolean nativeJpeg) throws Exception {
        BufferedImage grey = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                grey.getRaster().setSample(x, y, 0, x < 32 ? 40 : 200);
            }
        }
        BufferedImage out = decoder(nativeJpeg).decode(PhotoFixtures.jpeg(grey));
        assertThat(out.getColorModel().getNumColorComponents()).isEqualTo(1);
        assertThat(out.getRaster().getSample(10, 20, 0)).isBetween(35, 45);
        assertThat(out.getRaster().getSample(50, 20, 0)).isBetween(195, 205);
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void sixteenBitAndPalettePngsDecodeToTheirColours(boolean nativeJpeg) throws Exception {
        ImageDecoder d = decoder(nativeJpeg);
        BufferedImage deep = new BufferedImage(32, 32, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                deep.getRaster().setSample(x, y, 0, x < 16 ? 0x4000 : 0xC000);
            }
        }
        ImagePreprocessor grey = new ImagePreprocessor(
                new io.bayesvlm.core.model.ModelSpec.ImageSpec(32, 32, 1, new float[] {0}, new float[] {1}));
        byte[] pixels = grey.pixels(d.decode(PhotoFixtures.png(deep)));
        assertThat(pixels[5] & 0xFF).isEqualTo(64); // 0x4000 of 0xFFFF, to 8 bits
        assertThat(pixels[25] & 0xFF).isEqualTo(191);

        BufferedImage palette = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                palette.setRGB(x, y, y < 16 ? 0xFF0000 : 0x0000FF);
            }
        }
        BufferedImage out = d.decode(PhotoFixtures.png(palette));
        assertThat(out.getRGB(5, 5) & 0xFFFFFF).isEqualTo(0xFF0000);
        assertThat(out.getRGB(5, 25) & 0xFFFFFF).isEqualTo(0x0000FF);
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void anAnimatedGifIsItsFirstFrame(boolean nativeJpeg) throws Exception {
        byte[] gif = PhotoFixtures.animatedGif(24, 24, List.of(0xFF0000, 0x0000FF, 0x00FF00));
        BufferedImage out = decoder(nativeJpeg).decode(gif);
        assertThat(out.getRGB(12, 12) & 0xFFFFFF).isEqualTo(0xFF0000);
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void anAnimatedWebpIsItsFirstFrame(boolean nativeJpeg) throws Exception {
        // fixture/make_animated_webp.py: 24 x 24, red then blue, lossless
        BufferedImage out = decoder(nativeJpeg).decode(Files.readAllBytes(Fixture.image("animated.webp")));
        assertThat(out.getWidth()).isEqualTo(24);
        assertThat(out.getRGB(12, 12) & 0xFFFFFF).isEqualTo(0xFF0000);
    }

    @ParameterizedTest(name = "native {0}")
    @ValueSource(booleans = {true, false})
    void hostileFilesAreRefusedCheaply(boolean nativeJpeg) throws Exception {
        ImageDecoder d = decoder(nativeJpeg);
        byte[] photo = PhotoFixtures.jpeg(PhotoFixtures.stored(1600, 1200, 1));
        d.decode(photo, 224, 224); // warm: class loading and the first native call are not the refusal's cost
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Object[]> hostile = List.of(
                new Object[] {
                    "60000x60000 JPEG header", PhotoFixtures.jpegHeader(60_000, 60_000), ErrorCode.TOO_MANY_PIXELS
                },
                new Object[] {"60000x60000 PNG header", TestImages.pngHeader(60_000, 60_000), ErrorCode.TOO_MANY_PIXELS
                },
                new Object[] {
                    "6000x6000 16-bit RGB PNG of 216 MB in under 1 MB",
                    TestImages.blackPng(6000, 6000, 16, 2),
                    ErrorCode.DECOMPRESSION_BOMB
                },
                new Object[] {"a photo cut in half", Arrays.copyOf(photo, photo.length / 2), ErrorCode.CORRUPT_IMAGE},
                new Object[] {"a photo cut after its header", Arrays.copyOf(photo, 700), ErrorCode.CORRUPT_IMAGE});
        for (Object[] h : hostile) {
            long start = threads.getCurrentThreadCpuTime();
            assertThatThrownBy(() -> d.decode((byte[]) h[1], 224, 224))
                    .as((String) h[0])
                    .isInstanceOfSatisfying(
                            ImageRejectedException.class,
                            e -> assertThat(e.code()).isEqualTo(h[2]));
            double ms = (threads.getCurrentThreadCpuTime() - start) / 1e6;
            System.out.printf("%s (native %s): refused in %.1f ms of CPU%n", h[0], nativeJpeg, ms);
            assertThat(ms).as((String) h[0]).isLessThan(50);
        }
        // and the next image decodes
        assertQuadrants(d.decode(photo, 224, 224), "after the hostile files");
    }
}
