package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding shares the inference thread only for CLIP-sized inputs (ModerationJob.chainDecodeWithInference). */
class ChainingTest {

    static boolean chained(Path model) {
        return ModerationJob.chainDecodeWithInference(
                JobConfig.from(Configuration.fromMap(Map.of("model.dir", model.toString()))));
    }

    @Test
    void smallInputsGetTheirOwnDecodeThreadClipSizedOnesDoNot(@TempDir Path dir) throws Exception {
        assertThat(chained(ItConfig.ROOT.resolve("models/fashion-clip"))).isFalse(); // 28 x 28 x 1
        try (var files = Files.list(ItConfig.ROOT.resolve("models/fashion-clip"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(dir.resolve("model.json").toFile());
        ObjectNode image = (ObjectNode) root.get("image");
        image.putArray("size").add(224).add(224);
        image.put("channels", 3);
        image.putArray("mean").add(0.48).add(0.46).add(0.41);
        image.putArray("std").add(0.27).add(0.26).add(0.28);
        json.writeValue(dir.resolve("model.json").toFile(), root);
        assertThat(chained(dir)).isTrue(); // 224 x 224 x 3 = 150,528 floats
    }
}
