package io.bayesvlm.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the registry's Java 21+ is recognised in a JDK home (finding one is exercised by every registry ITCase). */
class EmbeddedRegistryTest {

    @Test
    void readsTheMajorVersionFromAJdkReleaseFile(@TempDir Path dir) throws Exception {
        assertThat(version(dir, "jdk25", "JAVA_VERSION=\"25.0.3\"")).isEqualTo(25);
        assertThat(version(dir, "jdk17", "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"17.0.15\""))
                .isEqualTo(17);
        assertThat(version(dir, "jdk21ea", "JAVA_VERSION=\"21-ea\"")).isEqualTo(21);
        assertThat(version(dir, "jdk8", "JAVA_VERSION=\"1.8.0_292\"")).isEqualTo(8);
        assertThat(version(dir, "garbage", "JAVA_VERSION=\"next\"")).isZero();
        assertThat(EmbeddedRegistry.javaVersion(dir.resolve("missing"))).isZero();
    }

    private static int version(Path dir, String name, String release) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Files.writeString(home.resolve("release"), release + "\n");
        return EmbeddedRegistry.javaVersion(home);
    }
}
