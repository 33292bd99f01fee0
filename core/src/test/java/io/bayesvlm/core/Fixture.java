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

    static JsonNode expected() {
        try {
            return new ObjectMapper().readTree(dir().resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    static float[] floatArray(JsonNode array) {
        double[] d = doubles(array);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
