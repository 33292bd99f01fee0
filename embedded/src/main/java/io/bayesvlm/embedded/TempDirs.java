package io.bayesvlm.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories of the embedded services (broker data, checkpoints), removed when they stop. */
public final class TempDirs {

    private TempDirs() {}

    /** Deletes a directory tree; a failure only leaves temporary files behind. */
    public static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: leaving it is harmless
        }
    }
}
