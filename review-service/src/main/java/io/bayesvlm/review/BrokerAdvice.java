package io.bayesvlm.review;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Broker settings that cost this service latency, read at startup and named in the log: advice, never a refusal
 * (the service works on any broker; a principal that may not describe the broker's configs just gets no advice).
 */
final class BrokerAdvice {
    /**
     * A 4.x broker's backoff before it retries the verification of a transaction's partitions, which fails while the
     * previous transaction's commit markers are being written. Every answer of this service waits for a commit, so
     * the next transaction often starts that soon.
     */
    static final String TXN_RETRY_BACKOFF = "add.partitions.to.txn.retry.backoff.ms";

    /** Above this the wait shows in the answers (review-bench, 8 reviewers: 20 ms against 1 ms, 62 / 80 labels/s). */
    static final long TXN_RETRY_BACKOFF_ADVISED_MAX_MS = 5;

    private BrokerAdvice() {}

    /** The advice for a broker whose {@link #TXN_RETRY_BACKOFF} is {@code backoffMs}, if it needs any. */
    static Optional<String> forTransactionRetryBackoff(long backoffMs) {
        if (backoffMs <= TXN_RETRY_BACKOFF_ADVISED_MAX_MS) {
            return Optional.empty();
        }
        return Optional.of("the broker's " + TXN_RETRY_BACKOFF + " is " + backoffMs + " ms: under load about every"
                + " other answer waits that long for its transaction (each answer waits for a commit); set it to 1-"
                + TXN_RETRY_BACKOFF_ADVISED_MAX_MS + " ms on the brokers (review-service/README.md, Run)");
    }

    /** {@link #TXN_RETRY_BACKOFF} of one broker of the cluster, or empty when it cannot be read in {@code wait}. */
    static Optional<Long> transactionRetryBackoff(Admin admin, Duration wait) {
        try {
            Collection<Node> nodes = admin.describeCluster().nodes().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                return Optional.empty();
            }
            ConfigResource broker = new ConfigResource(
                    ConfigResource.Type.BROKER, nodes.iterator().next().idString());
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(List.of(broker)).all().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            ConfigEntry e = configs.get(broker).get(TXN_RETRY_BACKOFF);
            return e == null || e.value() == null ? Optional.empty() : Optional.of(Long.parseLong(e.value()));
        } catch (ExecutionException | TimeoutException | NumberFormatException e) {
            return Optional.empty(); // not allowed, an older broker without the setting, or no answer: no advice
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
