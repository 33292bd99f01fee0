package io.bayesvlm.flink.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Reads the broker's {@code transaction.max.timeout.ms} before the job starts: a sink whose transaction timeout
 * exceeds it fails on its first transaction, on every restart. Empty when the broker cannot be asked (unreachable, or
 * the job's principal may not describe broker configs); the job then starts and says so.
 */
public final class BrokerPreflight {

    private BrokerPreflight() {}

    public static Optional<Long> transactionMaxTimeoutMs(String bootstrapServers, Duration wait) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
        try (Admin admin = Admin.create(p)) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                return Optional.empty();
            }
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(broker)).all()
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
            ConfigEntry e = configs.get(broker).get("transaction.max.timeout.ms");
            return e == null || e.value() == null ? Optional.empty() : Optional.of(Long.parseLong(e.value()));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }
    }
}
