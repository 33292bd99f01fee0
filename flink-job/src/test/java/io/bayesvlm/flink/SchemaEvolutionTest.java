package io.bayesvlm.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.Test;

/**
 * Every earlier version of a schema (schemas/history/NAME-vN.avsc) and the current one read each other's data:
 * consumers can upgrade before or after the job (backward and forward compatible, Avro's own resolution rules).
 */
class SchemaEvolutionTest {

    @Test
    void everyHistoricVersionAndTheCurrentOneReadEachOther() throws Exception {
        Path history = ItConfig.ROOT.resolve("schemas/history");
        List<Path> old;
        try (Stream<Path> s = Files.list(history)) {
            old = s.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
        }
        assertThat(old)
                .extracting(p -> p.getFileName().toString())
                .contains("ImageEvent-v1.avsc", "Decision-v1.avsc", "CalibrationReport-v1.avsc");
        for (Path p : old) {
            String name = p.getFileName().toString().replaceAll("-v\\d+\\.avsc$", "");
            Schema before = new Schema.Parser().parse(p.toFile());
            Schema now = new Schema.Parser()
                    .parse(ItConfig.ROOT
                            .resolve("schemas/src/main/avro/" + name + ".avsc")
                            .toFile());
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(now, before)
                            .getType())
                    .as("current %s reads %s", name, p.getFileName())
                    .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(before, now)
                            .getType())
                    .as("%s reads the current %s", p.getFileName(), name)
                    .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
    }
}
