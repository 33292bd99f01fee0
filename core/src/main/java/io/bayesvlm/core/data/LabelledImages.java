package io.bayesvlm.core.data;

import io.bayesvlm.core.image.ImageRejectedException;
import java.awt.image.BufferedImage;

/** A labelled image data set; labels are class indices in the model's {@code classes} order. */
public interface LabelledImages {

    int size();

    int label(int index);

    /** A short name of the item for messages (a file path, or "train[123]"). */
    String name(int index);

    /** The decoded image. */
    BufferedImage image(int index) throws ImageRejectedException;

    /** A view of items [from, to). */
    default LabelledImages range(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("range " + from + ":" + to + " is outside 0:" + size());
        }
        LabelledImages all = this;
        return new LabelledImages() {
            @Override
            public int size() {
                return to - from;
            }

            @Override
            public int label(int index) {
                return all.label(from + index);
            }

            @Override
            public String name(int index) {
                return all.name(from + index);
            }

            @Override
            public BufferedImage image(int index) throws ImageRejectedException {
                return all.image(from + index);
            }
        };
    }
}
