package io.bayesvlm.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The committed test fixture (made by fixture/make_fixture.py): a tiny model, images and reference values. */
public final class Fixture {
    private Fixture() {}

    /** The fixture folder: the {@code fixture.dir} system property, else this module's test resources. */
    public static Path dir() {
        String prop = System.getProperty("fixture.dir");
        if (prop != null) {
            return Path.of(prop);
        }
        try {
            return Path.of(Fixture.class.getResource("/fixture").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path model() {
        return dir().resolve("tiny-model");
    }

    public static Path image(String name) {
        return dir().resolve("images").resolve(name);
    }

    public static JsonNode expected() {
        try {
            return new ObjectMapper().readTree(dir().resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    public static float[] floatArray(JsonNode array) {
        double[] d = doubles(array);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** A folder of class folders (cat, dog, car, tree) made of fixture images: 9 labelled images. */
    public static Path classFolders(Path root) throws IOException {
        String[][] layout = {
            {"cat", "rgb0.png", "rgb1.png", "rgb0.jpg"},
            {"dog", "rgb2.png", "rgb3.png"},
            {"car", "large.png", "grey.png"},
            {"tree", "rgba.png", "rgb0.webp"}
        };
        for (String[] cls : layout) {
            Path d = java.nio.file.Files.createDirectories(root.resolve(cls[0]));
            for (int i = 1; i < cls.length; i++) {
                java.nio.file.Files.copy(image(cls[i]), d.resolve(cls[i]));
            }
        }
        return root;
    }
}
