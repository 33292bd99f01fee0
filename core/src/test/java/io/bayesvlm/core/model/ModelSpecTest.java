package io.bayesvlm.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.head.LaplaceHead;
import io.bayesvlm.core.head.Predictive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void loadsTheFixtureAndIgnoresUnknownKeys() throws IOException {
        ModelSpec spec = ModelSpec.load(Fixture.model());
        assertThat(spec.name()).isEqualTo("tiny-fixture");
        assertThat(spec.logitScale()).isEqualTo(20.0);
        assertThat(spec.classIds()).containsExactly("cat", "dog", "car", "tree");
        assertThat(spec.image().channels()).isEqualTo(3);
        assertThat(spec.image().height()).isEqualTo(16);
        assertThat(spec.file("head")).isEqualTo(Fixture.model().resolve("head.npz"));
    }

    @Test
    void namesTheMissingOrMalformedKey(@TempDir Path dir) throws IOException {
        assertFails(dir, o -> o.remove("logit_scale"), "logit_scale is missing");
        assertFails(dir, o -> o.put("logit_scale", -1), "logit_scale must be a positive number");
        assertFails(dir, o -> o.put("format", "bayesvlm-model/2"), "format is 'bayesvlm-model/2'");
        assertFails(dir, o -> ((ObjectNode) o.get("image")).remove("size"), "image.size is missing");
        assertFails(dir, o -> ((ObjectNode) o.get("image")).put("channels", 2), "image.channels must be 1 or 3");
        assertFails(dir, o -> ((ArrayNode) o.get("image").get("mean")).remove(0), "image.mean must be an array of 3");
        assertFails(dir, o -> ((ObjectNode) o.get("classes").get(1)).remove("prompt"), "classes[1].prompt is missing");
        assertFails(
                dir, o -> ((ObjectNode) o.get("classes").get(1)).put("id", "cat"), "classes[1].id 'cat' is not unique");
        assertFails(dir, o -> ((ObjectNode) o.get("files")).remove("head"), "files.head is missing");
        assertFails(dir, o -> ((ObjectNode) o.get("files")).put("head", "nope.npz"), "files.head names 'nope.npz'");
    }

    @Test
    void explainsADirectoryWithoutModelJson(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelSpec.load(dir)).hasMessageContaining("model.json not found");
    }

    @Test
    void headShapeMismatchNamesTheArray() throws IOException {
        var head = Npz.read(Fixture.model().resolve("head.npz"));
        Predictive p = new Predictive(Predictive.Mode.PROBIT, 4, 0, 5);
        assertThatThrownBy(() -> new LaplaceHead(head, 20, 5, p))
                .hasMessageContaining("class_text_activations")
                .hasMessageContaining("(5, 5)");
        head.remove(LaplaceHead.TEXT_B_INV);
        Predictive p4 = new Predictive(Predictive.Mode.PROBIT, 4, 0, 4);
        assertThatThrownBy(() -> new LaplaceHead(head, 20, 4, p4)).hasMessageContaining("'text_B_inv' is missing");
    }

    private void assertFails(Path dir, Consumer<ObjectNode> edit, String message) throws IOException {
        ObjectNode root =
                (ObjectNode) json.readTree(Fixture.model().resolve("model.json").toFile());
        edit.accept(root);
        for (String f : new String[] {"image_encoder.pt", "head.npz"}) {
            Path target = dir.resolve(f);
            if (!Files.exists(target)) {
                Files.copy(Fixture.model().resolve(f), target);
            }
        }
        json.writeValue(dir.resolve("model.json").toFile(), root);
        assertThatThrownBy(() -> ModelSpec.load(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(message);
    }
}
