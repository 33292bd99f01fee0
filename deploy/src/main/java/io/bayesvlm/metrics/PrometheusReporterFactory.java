package io.bayesvlm.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Properties;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.NetUtils;

/**
 * Flink's Prometheus reporter (same metric names, labels and format: it is {@link AbstractPrometheusReporter})
 * with one more option, {@code host}, the address its HTTP endpoint binds. Flink's own factory always binds every
 * interface; this one binds loopback unless told otherwise (a Kubernetes pod, scraped over the pod network, sets
 * {@code host: 0.0.0.0}). Options: {@code port} (a port or a range such as {@code 9249-9259}, default 9249) and
 * {@code host} (default {@code 127.0.0.1}).
 */
public final class PrometheusReporterFactory implements MetricReporterFactory {

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        MetricConfig config = (MetricConfig) properties;
        String host = config.getString("host", "127.0.0.1");
        Iterator<Integer> ports = NetUtils.getPortRangeFromString(config.getString("port", "9249"));
        return new BoundPrometheusReporter(host, ports);
    }

    /** The reporter: Flink's collectors, served from an HTTP endpoint on the configured address. */
    static final class BoundPrometheusReporter extends AbstractPrometheusReporter {
        private final HTTPServer server;

        BoundPrometheusReporter(String host, Iterator<Integer> ports) {
            CollectorRegistry registry = registryOf(this);
            HTTPServer started = null;
            IOException last = null;
            while (started == null && ports.hasNext()) {
                int port = ports.next();
                try {
                    started = new HTTPServer(new InetSocketAddress(host, port), registry);
                    log.info("Prometheus endpoint on {}:{}", host, port);
                } catch (IOException e) {
                    last = e; // taken: try the next port of the range
                }
            }
            if (started == null) {
                throw new IllegalStateException("no free port for the Prometheus endpoint on " + host, last);
            }
            server = started;
        }

        @Override
        public void close() {
            server.stop();
            super.close();
        }

        /** The reporter's registry is package-private in Flink; read it once, here. */
        private static CollectorRegistry registryOf(AbstractPrometheusReporter reporter) {
            try {
                var field = AbstractPrometheusReporter.class.getDeclaredField("registry");
                field.setAccessible(true);
                return (CollectorRegistry) field.get(reporter);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("unsupported flink-metrics-prometheus version", e);
            }
        }
    }
}
