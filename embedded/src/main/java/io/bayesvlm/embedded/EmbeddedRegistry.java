package io.bayesvlm.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real schema registry for the demo and the integration tests: Apicurio Registry's server (from Maven Central,
 * unpacked by the build into {@code embedded/target/apicurio-registry}) as a child process with in-memory
 * storage, both its HTTP and management ports bound to loopback, and global compatibility BACKWARD. It serves the Confluent-compatible API at
 * {@link #confluentUrl()} and Apicurio's own at {@link #apicurioUrl()}.
 *
 * <p>Apicurio Registry 3.x needs Java 21 or newer, newer than this project's Java 17; {@link #findJava()} looks for
 * one and the start fails with a message saying how to provide one if there is none.
 */
public final class EmbeddedRegistry implements AutoCloseable {
    /** Java major version the registry server needs. */
    public static final int REQUIRED_JAVA = 21;

    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;
    private final Thread shutdownHook;

    private EmbeddedRegistry(Process process, int port, int managementPort, Path log) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
        // Ctrl-C on the demo must not leave the registry running.
        this.shutdownHook = new Thread(process::destroy, "stop-embedded-registry");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a registry on free loopback ports and waits until its Confluent-compatible API answers. */
    public static EmbeddedRegistry start() throws IOException, InterruptedException {
        Path home = home();
        if (!Files.isRegularFile(home.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException("Apicurio Registry is not unpacked at " + home
                    + "; build first: ./mvnw -q -DskipTests package (or set -Dbayesvlm.registry.home)");
        }
        Path java = findJava()
                .orElseThrow(() -> new IllegalStateException(
                        "the embedded schema registry (Apicurio Registry 3.x) needs Java " + REQUIRED_JAVA
                                + "+, and none was found (looked at $BAYESVLM_REGISTRY_JAVA, this JVM, $JAVA_HOME and /usr/lib/jvm/*)."
                                + " Install a JDK/JRE " + REQUIRED_JAVA
                                + "+ and set BAYESVLM_REGISTRY_JAVA to its home or its bin/java."));
        int port = Loopback.freePort();
        int management = Loopback.freePort();
        Path log = Files.createTempFile("bayesvlm-registry", ".log");
        List<String> cmd = new ArrayList<>(List.of(
                java.toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + management,
                "-jar",
                "quarkus-run.jar"));
        Process p = new ProcessBuilder(cmd)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        EmbeddedRegistry r = new EmbeddedRegistry(p, port, management, log);
        try {
            r.awaitReady(Duration.ofSeconds(90));
            r.requireBackwardCompatibility();
        } catch (IOException | InterruptedException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /** Base URL of the Confluent-compatible API (what Confluent clients and {@code registry.api=confluent} use). */
    public String confluentUrl() {
        return baseUrl() + "/apis/ccompat/v7";
    }

    /** Base URL of Apicurio's own v3 API ({@code registry.api=apicurio}). */
    public String apicurioUrl() {
        return baseUrl() + "/apis/registry/v3";
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Quarkus' management interface (health, metrics), also on loopback. */
    public int managementPort() {
        return managementPort;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("schema registry exited with status " + process.exitValue()
                        + " while starting; its log (" + log + ") ends:\n" + tail());
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(confluentUrl() + "/subjects"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(
                "schema registry did not answer within " + timeout + "; log (" + log + ") ends:\n" + tail());
    }

    /**
     * Sets the global compatibility rule to BACKWARD, as production registries do (Apicurio's default is none):
     * new schemas must read what the previous version wrote.
     */
    private void requireBackwardCompatibility() throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(confluentUrl() + "/config"))
                                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(
                    "cannot set the registry's compatibility rule: HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    /** Where the registry server is unpacked: -Dbayesvlm.registry.home, else under the project's build output. */
    static Path home() {
        String explicit = System.getProperty("bayesvlm.registry.home", System.getenv("BAYESVLM_REGISTRY_HOME"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String root = System.getProperty("bayesvlm.home", System.getProperty("repo.root", "."));
        return Path.of(root, "embedded", "target", "apicurio-registry");
    }

    /**
     * A {@code java} executable of version {@value #REQUIRED_JAVA}+: $BAYESVLM_REGISTRY_JAVA (a JDK home or its
     * bin/java), this JVM, $JAVA_HOME, then the newest under /usr/lib/jvm.
     */
    public static Optional<Path> findJava() {
        String explicit = System.getenv("BAYESVLM_REGISTRY_JAVA");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            Path bin = Files.isDirectory(p) ? p.resolve("bin").resolve("java") : p;
            if (!Files.isExecutable(bin)) {
                throw new IllegalStateException(
                        "BAYESVLM_REGISTRY_JAVA=" + explicit + " is not a java executable or a JDK home");
            }
            return Optional.of(bin);
        }
        if (Runtime.version().feature() >= REQUIRED_JAVA) {
            return Optional.of(Path.of(System.getProperty("java.home"), "bin", "java"));
        }
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && javaVersion(Path.of(javaHome)) >= REQUIRED_JAVA) {
            return Optional.of(Path.of(javaHome, "bin", "java"));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(h -> javaVersion(h) >= REQUIRED_JAVA && Files.isExecutable(h.resolve("bin/java")))
                    .max(Comparator.comparingInt(EmbeddedRegistry::javaVersion))
                    .map(h -> h.resolve("bin").resolve("java"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The major version a JDK/JRE home declares in its {@code release} file, or 0. */
    static int javaVersion(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    String major = v.startsWith("1.") ? v.substring(2) : v;
                    return Integer.parseInt(major.split("[.+-]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a JDK home
        }
        return 0;
    }
}
