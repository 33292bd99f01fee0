package io.bayesvlm.review;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerAdviceTest {

    @Test
    void theDefaultBackoffIsNamedWithItsValueAndTheAdvisedOne() {
        assertThat(BrokerAdvice.forTransactionRetryBackoff(20))
                .hasValueSatisfying(advice -> assertThat(advice)
                        .contains("add.partitions.to.txn.retry.backoff.ms is 20 ms")
                        .contains("1-5 ms"));
    }

    @Test
    void aBackoffUpToTheAdvisedMaximumNeedsNoAdvice() {
        assertThat(BrokerAdvice.forTransactionRetryBackoff(1)).isEmpty();
        assertThat(BrokerAdvice.forTransactionRetryBackoff(5)).isEmpty();
        assertThat(BrokerAdvice.forTransactionRetryBackoff(6)).isPresent();
    }
}
