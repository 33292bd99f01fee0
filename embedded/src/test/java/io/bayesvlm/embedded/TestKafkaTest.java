package io.bayesvlm.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TestKafkaTest {
    @Test
    void dockerDecidesUnlessTheChoiceIsExplicit() {
        assertThat(TestKafka.chosen("auto", true)).isEqualTo(TestKafka.Kind.TESTCONTAINERS);
        assertThat(TestKafka.chosen("auto", false)).isEqualTo(TestKafka.Kind.EMBEDDED);
        assertThat(TestKafka.chosen("embedded", true)).isEqualTo(TestKafka.Kind.EMBEDDED);
        assertThat(TestKafka.chosen("Testcontainers", false)).isEqualTo(TestKafka.Kind.TESTCONTAINERS);
        assertThatThrownBy(() -> TestKafka.chosen("docker", true)).hasMessageContaining("bayesvlm.test.kafka");
    }
}
