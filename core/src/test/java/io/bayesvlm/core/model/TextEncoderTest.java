package io.bayesvlm.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.bayesvlm.core.head.LaplaceHead;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default model's text encoder and tokenizer, in Java, against the activations Python stored at export. */
class TextEncoderTest {

    @Test
    void reproducesTheExportedClassPromptActivations() throws Exception {
        Path root =
                Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
        ModelSpec spec = ModelSpec.load(root.resolve("models/fashion-clip"));
        NpyArray stored = Npz.read(spec.file("head")).get(LaplaceHead.CLASS_TEXT_ACTIVATIONS);
        List<String> prompts =
                spec.classes().stream().map(ModelSpec.ClassSpec::prompt).toList();
        try (TextEncoder text = TextEncoder.load(spec, ai.djl.Device.cpu())) {
            float[][] act = text.encode(prompts);
            assertThat(act).hasNumberOfRows(stored.rows());
            for (int c = 0; c < act.length; c++) {
                for (int j = 0; j < act[c].length; j++) {
                    assertThat((double) act[c][j]).isCloseTo(stored.get(c, j), within(1e-4));
                }
            }
            assertThat(text.tokenizer().unknownWords("a photo of a zeppelin")).isEqualTo(1);
            assertThat(text.tokenizer().encode("A Photo of a SNEAKER!"))
                    .hasSize(text.tokenizer().maxLength())
                    .isEqualTo(text.tokenizer().encode("a photo of a sneaker"));
        }
    }
}
