package io.bayesvlm.deploy.k8s;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;

/**
 * The configuration keys Flink knows: every {@link ConfigOption} (and its deprecated/fallback keys) declared in
 * flink-core's {@code org.apache.flink.configuration} package, where Flink keeps its cluster options, plus the
 * per-name families (metrics reporters, external resources) whose keys embed a user-chosen name.
 */
final class FlinkOptionKeys {
    /** metrics.reporter.NAME.OPTION: Flink's reporter options, and the two of the reporter in deploy's lib/. */
    private static final Pattern REPORTER = Pattern.compile("metrics\\.reporter\\.[^.]+\\.(.+)");

    private static final Set<String> REPORTER_OPTIONS = Set.of(
            "factory.class",
            "interval",
            "scope.delimiter",
            "scope.variables.additional",
            "scope.variables.excludes",
            "filter.includes",
            "filter.excludes",
            // io.bayesvlm.metrics.PrometheusReporterFactory (Flink's Prometheus reporter plus a bind address)
            "port",
            "host");
    /** external-resource.NAME.OPTION: the framework's options, and the GPU driver's parameters. */
    private static final Pattern EXTERNAL_RESOURCE = Pattern.compile("external-resource\\.[^.]+\\.(.+)");

    private static final Set<String> EXTERNAL_RESOURCE_OPTIONS = Set.of(
            "amount",
            "driver-factory.class",
            "kubernetes.config-key",
            "yarn.config-key",
            "param.discovery-script.path",
            "param.discovery-script.args");

    private final Set<String> keys;

    private FlinkOptionKeys(Set<String> keys) {
        this.keys = keys;
    }

    static FlinkOptionKeys load() throws IOException {
        Set<String> keys = new HashSet<>();
        Path jar;
        try {
            jar = Path.of(CoreOptions.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (JarFile f = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.startsWith("org/apache/flink/configuration/")
                        || !name.endsWith("Options.class")
                        || name.indexOf('/', "org/apache/flink/configuration/".length()) >= 0) {
                    continue;
                }
                Class<?> c;
                try {
                    c = Class.forName(
                            name.substring(0, name.length() - 6).replace('/', '.'),
                            false,
                            FlinkOptionKeys.class.getClassLoader());
                } catch (ClassNotFoundException | LinkageError ex) {
                    continue;
                }
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers())
                            && ConfigOption.class.isAssignableFrom(field.getType())) {
                        try {
                            field.setAccessible(true);
                            ConfigOption<?> o = (ConfigOption<?>) field.get(null);
                            keys.add(o.key());
                            for (FallbackKey k : o.fallbackKeys()) {
                                keys.add(k.getKey());
                            }
                        } catch (ReflectiveOperationException | RuntimeException ex) {
                            // a field that cannot be read is not an option a user can set
                        }
                    }
                }
            }
        }
        if (!keys.contains(CoreOptions.DEFAULT_PARALLELISM.key())) {
            throw new IOException("found no Flink options in " + jar);
        }
        return new FlinkOptionKeys(keys);
    }

    boolean isKnown(String key) {
        if (keys.contains(key)) {
            return true;
        }
        Matcher m = REPORTER.matcher(key);
        if (m.matches()) {
            return REPORTER_OPTIONS.contains(m.group(1));
        }
        m = EXTERNAL_RESOURCE.matcher(key);
        if (m.matches()) {
            return EXTERNAL_RESOURCE_OPTIONS.contains(m.group(1));
        }
        return false;
    }
}
