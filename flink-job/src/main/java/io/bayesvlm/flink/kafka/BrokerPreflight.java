package io.bayesvlm.flink.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Reads the broker's limits before the job starts, with one admin client: a sink whose transaction timeout exceeds
 * the broker's {@code transaction.max.timeout.ms}, or that writes a topic whose {@code max.message.bytes} is below the
 * producer's {@code max.request.size}, would fail on every restart. A limit the job's principal may not describe
 * stays unknown; the job then starts and says so.
 */
public final class BrokerPreflight {

    private BrokerPreflight() {}

    /**
     * What the broker said. {@code reachable} false: no broker answered, nothing else is known. {@code topicLimits}:
     * each topic's {@code max.message.bytes} that could be read (a missing topic is left to the sink).
     */
    public record Limits(boolean reachable, Optional<Long> transactionMaxTimeoutMs, Map<String, Long> topicLimits) {}

    public static Limits read(String bootstrapServers, List<String> topics, Duration wait) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
        try (Admin admin = Admin.create(p)) {
            Collection<Node> nodes;
            try {
                nodes = admin.describeCluster().nodes().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                interrupted(e);
                return new Limits(false, Optional.empty(), Map.of());
            }
            if (nodes.isEmpty()) {
                return new Limits(false, Optional.empty(), Map.of());
            }
            ConfigResource broker = new ConfigResource(
                    ConfigResource.Type.BROKER, nodes.iterator().next().idString());
            Optional<Long> txMax = value(admin, broker, "transaction.max.timeout.ms", wait);
            Map<String, Long> limits = new TreeMap<>();
            for (String topic : topics) {
                value(admin, new ConfigResource(ConfigResource.Type.TOPIC, topic), "max.message.bytes", wait)
                        .ifPresent(v -> limits.put(topic, v));
            }
            return new Limits(true, txMax, limits);
        }
    }

    /** One numeric config value, or empty when it cannot be read (missing resource, not allowed, no answer). */
    private static Optional<Long> value(Admin admin, ConfigResource resource, String key, Duration wait) {
        try {
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(List.of(resource)).all().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            ConfigEntry e = configs.get(resource).get(key);
            return e == null || e.value() == null ? Optional.empty() : Optional.of(Long.parseLong(e.value()));
        } catch (ExecutionException | java.util.concurrent.TimeoutException | NumberFormatException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void interrupted(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }
}
