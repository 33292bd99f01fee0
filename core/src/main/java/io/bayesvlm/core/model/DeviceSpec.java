package io.bayesvlm.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Where to run the encoders: {@code auto} (a GPU when DJL sees one, else CPU), {@code cpu}, {@code gpu}
 * (GPU 0) or {@code gpu:i}.
 */
public record DeviceSpec(Kind kind, int gpuIndex) implements java.io.Serializable {

    public enum Kind {
        AUTO,
        CPU,
        GPU
    }

    public static final DeviceSpec AUTO = new DeviceSpec(Kind.AUTO, -1);
    public static final DeviceSpec CPU = new DeviceSpec(Kind.CPU, -1);

    public static DeviceSpec gpu(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
        }
        return new DeviceSpec(Kind.GPU, index);
    }

    /** Parses auto | cpu | gpu | gpu:i. */
    public static DeviceSpec parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return AUTO;
        }
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("gpu") || t.equals("cuda")) {
            return gpu(0);
        }
        if (t.startsWith("gpu:") || t.startsWith("cuda:")) {
            try {
                return gpu(Integer.parseInt(t.substring(t.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:<index>, got '" + text + "'");
    }

    /** Resolves to a DJL device, checking that a requested GPU exists. */
    public Device resolve() {
        return resolve(Engine.getEngine(ImageEncoder.ENGINE).getGpuCount());
    }

    public Device resolve(int gpuCount) {
        return switch (kind) {
            case CPU -> Device.cpu();
            case AUTO -> gpuCount > 0 ? Device.gpu(0) : Device.cpu();
            case GPU -> {
                if (gpuIndex >= gpuCount) {
                    throw new IllegalArgumentException("device gpu:" + gpuIndex + " was requested but DJL sees "
                            + gpuCount + " GPU(s)"
                            + (gpuCount == 0
                                    ? " (CPU-only PyTorch natives, or no CUDA device); use --device cpu or auto"
                                    : ""));
                }
                yield Device.gpu(gpuIndex);
            }
        };
    }

    @Override
    public String toString() {
        return kind == Kind.GPU ? "gpu:" + gpuIndex : kind.name().toLowerCase(Locale.ROOT);
    }
}
