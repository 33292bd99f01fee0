package io.bayesvlm.core.data;

import io.bayesvlm.core.image.ImageDecoder;
import io.bayesvlm.core.image.ImageLimits;
import io.bayesvlm.core.image.ImageRejectedException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder with one sub-folder per class, named by the class id of the model: {@code root/<class-id>/*}.
 * Files are taken in name order; sub-folders that are not class ids are an error (a typo would silently drop
 * a class otherwise).
 */
public final class ClassFolderImages implements LabelledImages {

    private final List<Path> files;
    private final int[] labels;
    private final ImageDecoder decoder;

    private ClassFolderImages(List<Path> files, int[] labels, ImageLimits limits) {
        this.files = files;
        this.labels = labels;
        this.decoder = new ImageDecoder(limits);
    }

    public static ClassFolderImages load(Path root, List<String> classIds, ImageLimits limits) throws IOException {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            int label = classIds.indexOf(id);
            if (label < 0) {
                throw new IOException(dir + ": folder name '" + id + "' is not a class id of the model " + classIds);
            }
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    files.add(f);
                    labels.add(label);
                }
            }
        }
        if (files.isEmpty()) {
            throw new IOException(root + " has no images in class sub-folders (" + classIds + ")");
        }
        return new ClassFolderImages(
                files, labels.stream().mapToInt(Integer::intValue).toArray(), limits);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String name(int index) {
        return files.get(index).toString();
    }

    @Override
    public BufferedImage image(int index) throws ImageRejectedException {
        return decoder.decode(files.get(index));
    }
}
