package io.bayesvlm.core.model;

import java.util.Arrays;

/**
 * A dense float32 array in C (row-major) order, as stored in a NumPy {@code .npy} file.
 *
 * <p>The data array is shared, not copied: callers treat it as read-only.
 */
public record NpyArray(int[] shape, float[] data) {

    public NpyArray {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public static NpyArray matrix(int rows, int cols, float[] data) {
        return new NpyArray(new int[] {rows, cols}, data);
    }

    public static NpyArray vector(float... data) {
        return new NpyArray(new int[] {data.length}, data);
    }

    public static NpyArray scalar(float value) {
        return new NpyArray(new int[0], new float[] {value});
    }

    public int rank() {
        return shape.length;
    }

    public int rows() {
        return shape[0];
    }

    public int cols() {
        return shape[1];
    }

    public float get(int row, int col) {
        return data[row * shape[1] + col];
    }

    public String shapeString() {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray other && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray" + shapeString();
    }
}
