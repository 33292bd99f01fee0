package io.bayesvlm.core.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model's optional text encoder (TorchScript: int64 token ids [B, L] → [B, Dt] pre-projection activations)
 * with its tokenizer: computes the class prompts' activations, so that a label set can change without Python.
 * Holds one DJL predictor: one thread at a time.
 */
public final class TextEncoder implements AutoCloseable {

    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final WordTokenizer tokenizer;

    private TextEncoder(ZooModel<NDList, NDList> model, WordTokenizer tokenizer) {
        this.model = model;
        this.predictor = model.newPredictor();
        this.tokenizer = tokenizer;
    }

    /** Loads {@code files.text_encoder} and {@code files.tokenizer} of a model. */
    public static TextEncoder load(ModelSpec spec, Device device) throws IOException {
        if (!spec.hasFile("text_encoder") || !spec.hasFile("tokenizer")) {
            throw new ModelFormatException(spec.dir() + ": this model has no files.text_encoder and files.tokenizer,"
                    + " so new prompts cannot be embedded");
        }
        WordTokenizer tokenizer = WordTokenizer.load(spec.file("tokenizer"));
        Path file = spec.file("text_encoder");
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine(ImageEncoder.ENGINE)
                .optModelPath(file)
                .optDevice(device)
                .optTranslator(new NoopTranslator())
                .build();
        try {
            return new TextEncoder(criteria.loadModel(), tokenizer);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new ModelFormatException(file + ": not a loadable TorchScript model: " + e.getMessage(), e);
        }
    }

    public WordTokenizer tokenizer() {
        return tokenizer;
    }

    /** Pre-projection activations of the texts, one row each. */
    public float[][] encode(List<String> texts) {
        int l = tokenizer.maxLength();
        long[] ids = new long[texts.size() * l];
        for (int i = 0; i < texts.size(); i++) {
            System.arraycopy(tokenizer.encode(texts.get(i)), 0, ids, i * l, l);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray input = manager.create(ids, new Shape(texts.size(), l));
            NDArray out = predictor.predict(new NDList(input)).singletonOrThrow();
            int dt = (int) out.getShape().get(1);
            float[] flat = out.toFloatArray();
            float[][] rows = new float[texts.size()][dt];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * dt, rows[i], 0, dt);
            }
            return rows;
        } catch (TranslateException e) {
            throw new IllegalStateException("text encoder failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
