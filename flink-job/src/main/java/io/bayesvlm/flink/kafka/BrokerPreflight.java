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
 * Reads the broker's limits before the job starts: a sink whose transaction timeout exceeds the broker's {@code
 * transaction.max.timeout.ms}, or that writes a topic whose {@code max.message.bytes} is below the producer's {@code
 * max.request.size}, would fail on every restart. Nothing is known when the broker cannot be asked (unreachable, or
 * the job's principal may not describe configs); the job then starts and says so.
 */
public final class BrokerPreflight {

    private BrokerPreflight() {}

    /**
     * The output topics whose {@code max.message.bytes} is below {@code maxRequestSize}, with their limit: a record the
     * producer accepts would be refused there. Empty when all fit, or when the broker cannot be asked (then the job
     * starts, as above). A missing topic is left to the sink (auto-created, or its clear error).
     */
    public static Map<String, Long> topicsBelow(String bootstrapServers, List<String> topics, long maxRequestSize,
            Duration wait) {
        Map<String, Long> below = new java.util.TreeMap<>();
        try (Admin admin = Admin.create(properties(bootstrapServers, wait))) {
            List<ConfigResource> resources = topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            for (var e : admin.describeConfigs(resources).values().entrySet()) {
                try {
                    ConfigEntry limit = e.getValue().get(wait.toMillis(), TimeUnit.MILLISECONDS).get("max.message.bytes");
                    if (limit != null && limit.value() != null && Long.parseLong(limit.value()) < maxRequestSize) {
                        below.put(e.getKey().name(), Long.parseLong(limit.value()));
                    }
                } catch (java.util.concurrent.ExecutionException missingOrDenied) {
                    // not ours to judge here
                }
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        return below;
    }

    private static Properties properties(String bootstrapServers, Duration wait) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
        return p;
    }

    /** Whether any broker answers at {@code bootstrapServers} within {@code wait}. */
    public static boolean reachable(String bootstrapServers, Duration wait) {
        try (Admin admin = Admin.create(properties(bootstrapServers, wait))) {
            return !admin.describeCluster().nodes().get(wait.toMillis(), TimeUnit.MILLISECONDS).isEmpty();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    public static Optional<Long> transactionMaxTimeoutMs(String bootstrapServers, Duration wait) {
        try (Admin admin = Admin.create(properties(bootstrapServers, wait))) {
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
