package io.bayesvlm.flink.operators;

import io.bayesvlm.core.model.DeviceSpec;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which device an inference subtask uses. When the cluster declares Flink's external resource {@code gpu},
 * each TaskManager reports the GPU indices it owns; the subtask takes one of them (spread by subtask index) so
 * subtasks on one TaskManager share its GPUs evenly. Without GPU resources the configured device is used.
 */
public final class GpuSelection {

    private GpuSelection() {}

    /**
     * @param configured the {@code model.device} option
     * @param assignedIndices GPU indices from the runtime context's external resource infos (may be empty)
     * @param subtaskIndex this subtask's index
     */
    public static DeviceSpec choose(DeviceSpec configured, Set<String> assignedIndices, int subtaskIndex) {
        if (configured.kind() == DeviceSpec.Kind.CPU || assignedIndices.isEmpty()) {
            return configured;
        }
        List<Integer> indices = new TreeSet<>(assignedIndices.stream()
                        .map(i -> {
                            try {
                                return Integer.parseInt(i.trim());
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException(
                                        "external resource 'gpu' reported a non-numeric index '" + i + "'");
                            }
                        })
                        .toList())
                .stream().toList();
        return DeviceSpec.gpu(indices.get(Math.floorMod(subtaskIndex, indices.size())));
    }
}
