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

/**
 * A TorchScript image encoder loaded through DJL's PyTorch engine: float32 [B, C, H, W] normalised pixels to
 * [B, Dv] pre-projection activations. Holds one DJL predictor, which is not thread-safe: use one instance per
 * thread.
 */
public final class ImageEncoder implements AutoCloseable {

    public static final String ENGINE = "PyTorch";

    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final Device device;
    private final int channels;
    private final int height;
    private final int width;

    public ImageEncoder(Path torchScript, Device device, int channels, int height, int width) throws IOException {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine(ENGINE)
                .optModelPath(torchScript)
                .optDevice(device)
                .optTranslator(new NoopTranslator())
                .build();
        try {
            this.model = criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new ModelFormatException(torchScript + ": not a loadable TorchScript model: " + e.getMessage(), e);
        }
        this.predictor = model.newPredictor();
        this.device = device;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    public Device device() {
        return device;
    }

    /**
     * Encodes a batch.
     *
     * @param pixels {@code batch · C · H · W} floats, image after image, each CHW
     * @return one activation row per image
     */
    public float[][] encode(float[] pixels, int batch) {
        int per = channels * height * width;
        if (pixels.length < batch * per) {
            throw new IllegalArgumentException("expected " + batch * per + " floats, got " + pixels.length);
        }
        try (NDManager manager = model.getNDManager().newSubManager(device)) {
            NDArray input = manager.create(
                    java.nio.FloatBuffer.wrap(pixels, 0, batch * per), new Shape(batch, channels, height, width));
            // TorchScript's profiling executor re-optimises the graph for every new batch size, which makes the
            // first batches of each size very slow in a stream of varying batch sizes. The switch is per thread.
            ai.djl.pytorch.jni.JniUtils.setGraphExecutorOptimize(false);
            NDList out = predictor.predict(new NDList(input));
            NDArray act = out.singletonOrThrow();
            Shape shape = act.getShape();
            if (shape.dimension() != 2 || shape.get(0) != batch) {
                throw new IllegalStateException("image encoder returned shape " + shape + " for a batch of " + batch
                        + "; format v1 needs [B, Dv]");
            }
            int dv = (int) shape.get(1);
            float[] flat =
                    act.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            float[][] rows = new float[batch][dv];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(flat, b * dv, rows[b], 0, dv);
            }
            return rows;
        } catch (TranslateException e) {
            throw new IllegalStateException("image encoder failed on a batch of " + batch + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
