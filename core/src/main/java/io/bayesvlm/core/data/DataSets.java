package io.bayesvlm.core.data;

import io.bayesvlm.core.image.ImageLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Opens a labelled data set from a path: an IDX directory (Fashion-MNIST) or a folder of class folders. */
public final class DataSets {

    private DataSets() {}

    /**
     * @param path an IDX directory, or a folder with one sub-folder per class id
     * @param split for IDX: train or test (ignored for class folders)
     * @param range {@code from:to} to take a part (either side may be empty), or null for all
     */
    public static LabelledImages open(Path path, String split, String range, List<String> classIds, ImageLimits limits)
            throws IOException {
        if (!Files.isDirectory(path)) {
            throw new IOException(path + " is not a directory (need an IDX directory or a folder of class folders)");
        }
        LabelledImages data = IdxImages.isIdxDirectory(path)
                ? IdxImages.load(path, split)
                : ClassFolderImages.load(path, classIds, limits);
        if (range == null || range.isBlank()) {
            return data;
        }
        int colon = range.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("range must be FROM:TO (either may be empty), got '" + range + "'");
        }
        String a = range.substring(0, colon).trim();
        String b = range.substring(colon + 1).trim();
        int from = a.isEmpty() ? 0 : Integer.parseInt(a);
        int to = b.isEmpty() ? data.size() : Integer.parseInt(b);
        return data.range(from, to);
    }
}
