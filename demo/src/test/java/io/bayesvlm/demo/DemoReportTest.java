package io.bayesvlm.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoReportTest {

    @Test
    void thresholdsReadInTheDirectionTheirScoreDecidesAutomatically() {
        assertThat(DemoReport.automaticWhen("max_prob", 0.9)).isEqualTo("max_prob >= 0.9000");
        assertThat(DemoReport.automaticWhen("margin", 0.5)).isEqualTo("margin >= 0.5000");
        // uncertainties: lower is surer
        assertThat(DemoReport.automaticWhen("mutual_info", 0.02)).isEqualTo("mutual_info <= 0.0200");
        assertThat(DemoReport.automaticWhen("learned", 0.4256)).isEqualTo("learned <= 0.4256");
    }
}
