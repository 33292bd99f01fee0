package io.bayesvlm.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.model.ModelSpec;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Java preprocessing against PIL/NumPy reference values written by fixture/make_fixture.py. */
class ImagePreprocessorTest {

    private static final JsonNode EXPECTED = Fixture.expected();

    @ParameterizedTest
    @ValueSource(strings = {"rgb0.png", "rgb1.png", "rgb0.bmp", "rgb0.gif", "rgb0.webp", "grey.png", "rgba.png"})
    void losslessImagesAtModelSizeMatchPilExactly(String name) throws Exception {
        assertTensorClose(name, 1e-6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb0.png", "grey.png", "rgba.png", "rgb0.jpg", "large.png"})
    void eightBitPixelsNormalisedWhereScoredAreExactlyTheTensor(String name) throws Exception {
        // The pipeline ships pixels (bytes) and normalises on the inference side: it must be the float path's tensor,
        // bit for bit, also where the image is resized (large.png) and where grey is replicated (grey.png).
        ModelSpec.ImageSpec spec = ModelSpec.load(Fixture.model()).image();
        BufferedImage image = new ImageDecoder(ImageLimits.DEFAULTS).decode(Files.readAllBytes(Fixture.image(name)));
        ImagePreprocessor pre = new ImagePreprocessor(spec);
        float[] viaFloats = new float[pre.tensorSize()];
        pre.toTensor(
                ImagePreprocessor.channelPlanes(image, spec.channels()),
                image.getWidth(),
                image.getHeight(),
                viaFloats,
                0);
        byte[] pixels = pre.pixels(image);
        assertThat(pixels).hasSize(pre.tensorSize());
        float[] viaPixels = new float[pre.tensorSize() + 3];
        pre.normalise(pixels, viaPixels, 3);
        assertThat(java.util.Arrays.copyOfRange(viaPixels, 3, viaPixels.length)).containsExactly(viaFloats);
    }

    @Test
    void jpegMatchesPilWithinDecoderRounding() throws Exception {
        // libjpeg versions differ in IDCT rounding: allow a few grey levels (1 level = 1/255/std ≈ 0.015).
        assertTensorClose("rgb0.jpg", 4 * 0.015);
    }

    @Test
    void largerImageIsResizedAndCroppedLikePil() throws Exception {
        // 40x30 -> shortest side 16 -> 21x16 bicubic -> centre crop 16x16; one grey level of rounding allowed.
        assertTensorClose("large.png", 1.01 / 255 / 0.2613);
    }

    @Test
    void bicubicMatchesPilWithinOneLevel() {
        JsonNode r = EXPECTED.get("resize");
        float[] input = floats(r.get("input"));
        for (String which : new String[] {"down", "up"}) {
            JsonNode o = r.get(which);
            float[] out = Bicubic.resize(
                    input,
                    r.get("width").asInt(),
                    r.get("height").asInt(),
                    o.get("width").asInt(),
                    o.get("height").asInt());
            float[] pil = floats(o.get("output"));
            assertThat(out).hasSameSizeAs(pil);
            for (int i = 0; i < out.length; i++) {
                assertThat(out[i]).as("%s pixel %d", which, i).isCloseTo(pil[i], within(1.0f));
            }
        }
    }

    /** The 8-bit resampler images go through uses PIL's fixed-point arithmetic: PIL's output, value for value. */
    @Test
    void eightBitBicubicIsExactlyPils() {
        JsonNode r = EXPECTED.get("resize");
        float[] input = floats(r.get("input"));
        byte[] bytes = new byte[input.length];
        for (int i = 0; i < input.length; i++) {
            bytes[i] = (byte) (int) input[i];
        }
        int width = r.get("width").asInt();
        int height = r.get("height").asInt();
        for (String which : new String[] {"down", "up"}) {
            JsonNode o = r.get(which);
            int w = o.get("width").asInt();
            int h = o.get("height").asInt();
            byte[] out = Bicubic.resize8(bytes, 1, width, height, w, h, 0, 0, w, h);
            float[] pil = floats(o.get("output"));
            for (int i = 0; i < out.length; i++) {
                assertThat(out[i] & 0xFF).as("%s pixel %d", which, i).isEqualTo((int) pil[i]);
            }
            // a window of it is the same values
            byte[] window = Bicubic.resize8(bytes, 1, width, height, w, h, 3, 2, w - 5, h - 4);
            for (int y = 0; y < h - 4; y++) {
                for (int x = 0; x < w - 5; x++) {
                    assertThat(window[y * (w - 5) + x]).isEqualTo(out[(y + 2) * w + x + 3]);
                }
            }
        }
    }

    @Test
    void luminanceMatchesPilGreyConversion() {
        JsonNode l = EXPECTED.get("luminance");
        for (int i = 0; i < l.get("l").size(); i++) {
            JsonNode rgb = l.get("rgb").get(i);
            assertThat(ImagePreprocessor.luminance(
                            rgb.get(0).asInt(), rgb.get(1).asInt(), rgb.get(2).asInt()))
                    .isEqualTo(l.get("l").get(i).asInt());
        }
    }

    @Test
    void oneChannelModelsGetLuminanceAndThreeChannelModelsGetReplicatedGrey() {
        BufferedImage rgb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, 0xFF0000);
        rgb.setRGB(1, 0, 0x00FF00);
        float[][] grey = ImagePreprocessor.channelPlanes(rgb, 1);
        assertThat(grey[0]).containsExactly(76, 150); // 255·0.299, 255·0.587, rounded

        BufferedImage g = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(0, 0, 0, 100);
        float[][] three = ImagePreprocessor.channelPlanes(g, 3);
        assertThat(new float[] {three[0][0], three[1][0], three[2][0]}).containsExactly(100, 100, 100);
    }

    private static void assertTensorClose(String name, double tolerance) throws Exception {
        ModelSpec spec = ModelSpec.load(Fixture.model());
        BufferedImage image = new ImageDecoder(ImageLimits.DEFAULTS).decode(Files.readAllBytes(Fixture.image(name)));
        float[] tensor = new ImagePreprocessor(spec.image()).toTensor(image);
        double[] expected = Fixture.doubles(EXPECTED.get("images").get(name).get("tensor"));
        assertThat(tensor).hasSize(expected.length);
        for (int i = 0; i < tensor.length; i++) {
            assertThat((double) tensor[i]).as("%s value %d", name, i).isCloseTo(expected[i], within(tolerance));
        }
    }

    private static float[] floats(JsonNode array) {
        double[] d = Fixture.doubles(array);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
