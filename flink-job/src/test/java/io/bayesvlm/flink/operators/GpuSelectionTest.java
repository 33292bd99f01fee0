package io.bayesvlm.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.core.model.DeviceSpec;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GpuSelectionTest {

    @Test
    void withoutGpuResourcesTheConfiguredDeviceIsUsed() {
        assertThat(GpuSelection.choose(DeviceSpec.AUTO, Set.of(), 3)).isEqualTo(DeviceSpec.AUTO);
        assertThat(GpuSelection.choose(DeviceSpec.gpu(1), Set.of(), 0)).isEqualTo(DeviceSpec.gpu(1));
    }

    @Test
    void subtasksSpreadOverTheAssignedGpus() {
        Set<String> gpus = Set.of("3", "1");
        assertThat(GpuSelection.choose(DeviceSpec.AUTO, gpus, 0)).isEqualTo(DeviceSpec.gpu(1));
        assertThat(GpuSelection.choose(DeviceSpec.AUTO, gpus, 1)).isEqualTo(DeviceSpec.gpu(3));
        assertThat(GpuSelection.choose(DeviceSpec.gpu(0), gpus, 2)).isEqualTo(DeviceSpec.gpu(1));
    }

    @Test
    void cpuStaysCpuAndBadIndicesAreReported() {
        assertThat(GpuSelection.choose(DeviceSpec.CPU, Set.of("0"), 0)).isEqualTo(DeviceSpec.CPU);
        assertThatThrownBy(() -> GpuSelection.choose(DeviceSpec.AUTO, Set.of("gpu0"), 0))
                .hasMessageContaining("'gpu0'");
    }
}
